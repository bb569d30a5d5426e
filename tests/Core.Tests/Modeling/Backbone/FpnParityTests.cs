using Research.Core.Modeling.Backbone;
using Research.Core.Modeling.Weights;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Research.Core.Tests.Modeling.Backbone;

/// <summary>
/// Same weights, same input → same P3..P7 as the official cvpods ResNet + FPN (fixtures made by
/// Fixtures/backbone/generate_backbone_fixtures.py), within float32 tolerance (scaled error ≤ 1e-5).
/// </summary>
public class FpnParityTests
{
    private const double Tolerance = 1e-5;
    private static readonly string[] Levels = { "p3", "p4", "p5", "p6", "p7" };
    private readonly ITestOutputHelper _out;

    public FpnParityTests(ITestOutputHelper output) => _out = output;

    private void AssertMatches(Fpn model, string input, string prefix, Dictionary<string, Tensor> expected, Dictionary<string, Tensor> inputs, int levels = 5)
    {
        model.eval();
        using var guard = no_grad();
        var outputs = model.call(inputs[input]);
        try
        {
            Assert.Equal(levels, outputs.Length);
            for (var l = 0; l < levels; l++)
            {
                var err = BackboneFixtures.ScaledMaxError(outputs[l], expected[$"{prefix}_{Levels[l]}"]);
                _out.WriteLine($"{prefix}_{Levels[l]} [{string.Join(",", outputs[l].shape)}] scaled max error {err:E2}");
                Assert.True(err <= Tolerance, $"{prefix}_{Levels[l]}: scaled max error {err:E3} > {Tolerance:E0}");
            }
        }
        finally { BackboneFixtures.DisposeAll(outputs); }
    }

    [Fact]
    public void R50FromSafetensorsMatchesOfficialOnBothInputs()
    {
        var inputs = BackboneFixtures.Read("inputs.safetensors");
        var expected = BackboneFixtures.Read("r50_fpn_io.safetensors");
        using var model = BackboneFixtures.NarrowR50();
        var report = WeightLoader.Load(model, BackboneFixtures.Path("r50_fpn_weights.safetensors"));
        Assert.True(report.IsExact);
        AssertMatches(model, "a", "a", expected, inputs);
        AssertMatches(model, "b", "b", expected, inputs);   // (1,3,160,32): P5 5×1 → P6 3×1 → P7 2×1
        BackboneFixtures.DisposeAll(inputs.Values.Concat(expected.Values));
    }

    [Fact]
    public void R50MovedToFloat64StillMatchesOfficial()
    {
        // module.to(dtype) must carry the FrozenBN buffers and conv parameters held in fields along.
        var inputs = BackboneFixtures.Read("inputs.safetensors");
        var expected = BackboneFixtures.Read("r50_fpn_io.safetensors");
        using var model = BackboneFixtures.NarrowR50();
        WeightLoader.Load(model, BackboneFixtures.Path("r50_fpn_weights.safetensors"));
        model.to(ScalarType.Float64);
        Assert.All(model.state_dict().Values, t => Assert.Equal(ScalarType.Float64, t.dtype));
        using var a64 = inputs["a"].to(ScalarType.Float64);
        model.eval();
        using (no_grad())
        {
            var outs = model.call(a64);
            for (var l = 0; l < 5; l++)
            {
                using var o32 = outs[l].to(ScalarType.Float32);
                Assert.True(BackboneFixtures.ScaledMaxError(o32, expected["a_" + Levels[l]]) <= Tolerance, Levels[l]);
            }
            BackboneFixtures.DisposeAll(outs);
        }
        BackboneFixtures.DisposeAll(inputs.Values.Concat(expected.Values));
    }

    [Fact]
    public void R50BottomUpMatchesOfficialRes3ToRes5()
    {
        var inputs = BackboneFixtures.Read("inputs.safetensors");
        var expected = BackboneFixtures.Read("r50_fpn_io.safetensors");
        using var model = BackboneFixtures.NarrowR50();
        WeightLoader.Load(model, BackboneFixtures.Path("r50_fpn_weights.safetensors"));
        model.eval();
        using (no_grad())
        {
            var feats = model.BottomUp.call(inputs["a"]);
            var names = new[] { "res3", "res4", "res5" };
            for (var i = 0; i < 3; i++)
                Assert.True(BackboneFixtures.ScaledMaxError(feats[i], expected["a_" + names[i]]) <= Tolerance, names[i]);
            BackboneFixtures.DisposeAll(feats);
        }
        BackboneFixtures.DisposeAll(inputs.Values.Concat(expected.Values));
    }

    [Fact]
    public void R50FromCvpodsCheckpointWithBackbonePrefixMatchesOfficial()
    {
        var inputs = BackboneFixtures.Read("inputs.safetensors");
        var expected = BackboneFixtures.Read("r50_fpn_io.safetensors");
        using var model = BackboneFixtures.NarrowR50();
        // {"model": {"backbone.<key>": ...}, "iteration": 7, "optimizer": {...}} as torch.save wrote it.
        var report = WeightLoader.Load(model, BackboneFixtures.Path("r50_fpn_checkpoint.pth"), sourcePrefix: "backbone.");
        Assert.True(report.IsExact);
        Assert.Equal(model.state_dict().Count, report.Loaded.Count);
        AssertMatches(model, "a", "a", expected, inputs);
        BackboneFixtures.DisposeAll(inputs.Values.Concat(expected.Values));
    }

    [Fact]
    public void R18FromRawTorchSaveMatchesOfficial()
    {
        var inputs = BackboneFixtures.Read("inputs.safetensors");
        var expected = BackboneFixtures.Read("r18_fpn_io.safetensors");
        using var model = BackboneFixtures.NarrowR18();
        Assert.True(WeightLoader.Load(model, BackboneFixtures.Path("r18_fpn_weights.pth")).IsExact);
        AssertMatches(model, "a", "a", expected, inputs);
        BackboneFixtures.DisposeAll(inputs.Values.Concat(expected.Values));
    }

    [Fact]
    public void P3ToP5PyramidEqualsTheFirstThreeOfficialLevels()
    {
        var inputs = BackboneFixtures.Read("inputs.safetensors");
        var expected = BackboneFixtures.Read("r50_fpn_io.safetensors");
        using var model = BackboneFixtures.NarrowR50(topLevels: 0);
        var report = WeightLoader.Load(model, BackboneFixtures.Path("r50_fpn_weights.safetensors"), strict: false);
        Assert.Equal(new[] { "top_block.p6.bias", "top_block.p6.weight", "top_block.p7.bias", "top_block.p7.weight" },
            report.Unexpected.OrderBy(k => k, StringComparer.Ordinal));
        Assert.Empty(report.Missing);
        AssertMatches(model, "a", "a", expected, inputs, levels: 3);
        BackboneFixtures.DisposeAll(inputs.Values.Concat(expected.Values));
    }
}
