using Research.Core.Detectors;
using Research.Core.Tests.Modeling;
using Research.Core.Data;
using Research.Core.Modeling;
using Research.Core.Modeling.Backbone;
using Research.Core.Modeling.Head;
using Research.Core.Modeling.Weights;
using Research.Core.Tests.Modeling.Head;
using System.Text.Json;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Detectors;

/// <summary>
/// The whole network against the official code: a narrow official R-50 DeFCN (generate_defcn_fixture.py)
/// loaded through the weight loader gives the same head outputs and the same detections; and the full
/// R-50 DeFCN has exactly the official checkpoint's keys and shapes.
/// </summary>
public class DefcnParityTests
{
    private static Defcn NarrowModel() => new(
        ResNetFpnBuilder.Build(depth: 50, stemOutChannels: 8, res2OutChannels: 8, widthPerGroup: 2, outChannels: 32),
        numClasses: 3, head: new HeadOptions(NumConvs: 1));

    [Fact]
    public void NarrowR50OutputsAndDetectionsMatchOfficial()
    {
        var fx = HeadFixtures.Load("defcn_r50_narrow.safetensors");
        using var model = NarrowModel();
        var weights = fx.Where(kv => kv.Key.StartsWith("model.")).ToDictionary(kv => kv.Key["model.".Length..], kv => kv.Value);
        WeightLoader.LoadStateDict(model, weights, "defcn_r50_narrow.safetensors");
        model.eval();
        using (var scope = NewDisposeScope())
        using (no_grad())
        using (var o = model.forward(fx["image"]))
        {
            for (var l = 0; l < 5; l++)
            {
                var p = HeadFixtures.Levels[l];
                HeadFixtures.AssertClose(fx[$"logits.{p}"], o.Logits[l], $"logits {p}");
                HeadFixtures.AssertClose(fx[$"bbox_reg.{p}"], o.BoxRegression[l], $"bbox_reg {p}");
                HeadFixtures.AssertClose(fx[$"filter.{p}"], o.Filter![l], $"filter {p}");
            }
        }
        using var batch = new ImageBatch(fx["image"].clone(), new[] { (185, 150) }, new[] { (370, 301) }, new long[] { 1 });
        var d = model.Predict(batch)[0];
        Assert.Equal(fx["classes"].data<long>().ToArray(), d.Classes.data<long>().ToArray());
        HeadFixtures.AssertClose(fx["scores"], d.Scores, "scores");
        HeadFixtures.AssertClose(fx["boxes"], d.Boxes, "boxes");
        d.Dispose();
        foreach (var t in fx.Values) t.Dispose();
    }

    [Fact]
    public void FullR50HasTheOfficialKeysAndShapes()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "head", "official_defcn_r50_keys.json");
        var official = JsonSerializer.Deserialize<Dictionary<string, long[]>>(File.ReadAllText(path))!;
        using var model = new Defcn(ResNetFpnBuilder.Build(), numClasses: 80);
        var ours = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        Assert.Equal(official.Keys.OrderBy(k => k, StringComparer.Ordinal), ours.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var (key, shape) in official) Assert.True(shape.SequenceEqual(ours[key]), $"{key}: official ({string.Join(", ", shape)}), ours ({string.Join(", ", ours[key])})");
    }
}
