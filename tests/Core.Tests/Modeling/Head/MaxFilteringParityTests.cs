using Research.Core.Modeling.Head;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Modeling.Head;

/// <summary>MaxFiltering against the official fcos.py MaxFiltering (3dmf and 3dmf_wo_gn folders).</summary>
public class MaxFilteringParityTests
{
    public static IEnumerable<object[]> Cases() =>
        from k in new[] { 1, 3, 5 }
        from tau in new[] { 0, 2, 4 }
        from gn in new[] { true, false }
        select new object[] { k, tau, gn };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesOfficialOutputs(int kernel, int tau, bool withNorm)
    {
        var fx = HeadFixtures.Load("max_filtering.safetensors");
        using var mf = new MaxFiltering(HeadFixtures.Channels, kernel, tau, withNorm);
        var prefix = "gn.";
        var source = withNorm ? fx : fx.Where(kv => !kv.Key.StartsWith("gn.norm.")).ToDictionary(kv => kv.Key, kv => kv.Value);
        HeadFixtures.LoadInto(mf, source, prefix);
        using var scope = NewDisposeScope();
        var inputs = HeadFixtures.Levels.Select(p => fx[$"input.{p}"]).ToArray();
        var outputs = mf.forward(inputs);
        var variant = withNorm ? "gn" : "nogn";
        for (var l = 0; l < inputs.Length; l++)
            HeadFixtures.AssertClose(fx[$"out.{variant}.k{kernel}.t{tau}.{HeadFixtures.Levels[l]}"], outputs[l], $"k={kernel} tau={tau} {variant} level {l}");
        foreach (var t in fx.Values) t.Dispose();
    }
}
