using Research.Core.Dense;
using Research.Core.Modeling;
using Research.Core.Modeling.Head;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Modeling.Head;

/// <summary>DefcnHead against the official FCOSHead (3dmf.aux folder with filter, 3x_ms folder without).</summary>
public class HeadParityTests
{
    private static DefcnHead Build(bool filter) => new(
        HeadFixtures.Strides.Select(s => new ShapeSpec(HeadFixtures.Channels, s)).ToArray(),
        HeadFixtures.NumClasses,
        new HeadOptions(NumConvs: HeadFixtures.NumConvs),
        new FilterOptions(Enabled: filter, KernelSize: 3, Tau: 2));

    [Theory]
    [InlineData("head_full.safetensors", true)]
    [InlineData("head_nofilter.safetensors", false)]
    public void HeadOutputsMatchOfficial(string file, bool filter)
    {
        var fx = HeadFixtures.Load(file);
        using var head = Build(filter);
        HeadFixtures.LoadInto(head, fx, "head.");
        head.eval();
        using var scope = NewDisposeScope();
        var inputs = HeadFixtures.Levels.Select(p => fx[$"input.{p}"]).ToArray();
        using var outputs = head.forward(inputs);
        for (var l = 0; l < inputs.Length; l++)
        {
            var p = HeadFixtures.Levels[l];
            HeadFixtures.AssertClose(fx[$"logits.{p}"], outputs.Logits[l], $"logits {p}");
            HeadFixtures.AssertClose(fx[$"bbox_reg.{p}"], outputs.BoxRegression[l], $"bbox_reg {p}");
            if (filter) HeadFixtures.AssertClose(fx[$"filter.{p}"], outputs.Filter![l], $"filter {p}");
        }
        if (!filter) Assert.Null(outputs.Filter);
        // The fixture's reg output is not trivially zero (relu alive) and the scales are not 1.
        Assert.True(outputs.BoxRegression[0].gt(0).to(ScalarType.Float32).mean().item<float>() > 0.3f);
        foreach (var t in fx.Values) t.Dispose();
    }
}
