using Research.Core.Detectors;
using Research.Core.Modeling.Backbone;
using Research.Core.Modeling.Head;
using Research.Core.Modeling.Weights;
using Research.Core.Tests.Modeling.Head;
using Research.Core.Tests.Modeling.Weights;
using Research.Core.Training;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Training;

/// <summary>
/// Whole-detector weights: the official cvpods model_final.pth (model, optimizer, scheduler, iteration) of the narrow
/// official DeFCN gives the official head outputs; our .ckpt, .safetensors and .pth round-trip; a model of another
/// class count fails strictly naming cls_score and fine-tunes from the rest when not strict.
/// </summary>
public sealed class DetectorWeightsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "research-detector-weights-" + Guid.NewGuid().ToString("N"));

    public DetectorWeightsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The narrow official network of Fixtures/head/defcn_r50_narrow.* (and of defcn_model_final.pth).</summary>
    private static Defcn NarrowDefcn(int numClasses = 3) => new(
        ResNetFpnBuilder.Build(depth: 50, stemOutChannels: 8, res2OutChannels: 8, widthPerGroup: 2, outChannels: 32),
        numClasses: numClasses, head: new HeadOptions(NumConvs: 1));

    [Fact]
    public void OfficialModelFinalGivesTheOfficialHeadOutputs()
    {
        var fx = HeadFixtures.Load("defcn_r50_narrow.safetensors");
        using var model = NarrowDefcn();
        try
        {
            var loaded = DetectorWeights.Load(model, WeightFixtures.Path("defcn_model_final.pth"));
            Assert.Equal(WeightFileFormat.TorchSave, loaded.Format);
            Assert.Equal(269999L, loaded.Iteration);
            Assert.True(loaded.Report.IsExact);
            Assert.Equal(model.state_dict().Count, loaded.Report.Loaded.Count);
            Assert.True(model.state_dict()["head.cls_score.bias"].equal(fx["model.head.cls_score.bias"]).all().item<bool>());
            model.eval();
            using var scope = NewDisposeScope();
            using var guard = no_grad();
            using var o = model.forward(fx["image"]);
            for (var l = 0; l < 5; l++)
            {
                var p = HeadFixtures.Levels[l];
                HeadFixtures.AssertClose(fx[$"logits.{p}"], o.Logits[l], $"logits {p}");
                HeadFixtures.AssertClose(fx[$"bbox_reg.{p}"], o.BoxRegression[l], $"bbox_reg {p}");
                HeadFixtures.AssertClose(fx[$"filter.{p}"], o.Filter![l], $"filter {p}");
            }
        }
        finally { WeightFixtures.DisposeAll(fx.Values); }
    }

    [Theory]
    [InlineData("model.ckpt")]
    [InlineData("model.safetensors")]
    [InlineData("model.pth")]
    public void OurOwnFilesRoundTrip(string name)
    {
        var path = Path.Combine(_dir, name);
        using var source = NarrowDefcn();
        DetectorWeights.Load(source, WeightFixtures.Path("defcn_model_final.pth"));
        if (name.EndsWith(".ckpt", StringComparison.Ordinal)) CheckpointFile.Write(path, source, optimizer: null, iteration: 12, maxIter: 100);
        else WeightLoader.Save(source, path);

        manual_seed(99);
        using var target = NarrowDefcn();
        var loaded = DetectorWeights.Load(target, path);
        Assert.True(loaded.Report.IsExact);
        Assert.Equal(name.EndsWith(".ckpt", StringComparison.Ordinal) ? 12L : null, loaded.Iteration);
        Assert.Equal(name.EndsWith(".ckpt", StringComparison.Ordinal) ? WeightFileFormat.Checkpoint
            : name.EndsWith(".pth", StringComparison.Ordinal) ? WeightFileFormat.TorchSave : WeightFileFormat.Safetensors, loaded.Format);
        var expected = source.state_dict();
        foreach (var (key, t) in target.state_dict())
            Assert.True(WeightFixtures.SameValues(t, expected[key]), key);
    }

    [Fact]
    public void AnotherClassCountFailsStrictlyAndFineTunesFromTheRestWhenNotStrict()
    {
        var path = WeightFixtures.Path("defcn_model_final.pth");
        using var strict = NarrowDefcn(numClasses: 5);
        var e = Assert.Throws<WeightLoadException>(() => DetectorWeights.Load(strict, path));
        Assert.Contains("2 mis-shaped keys", e.Message);
        Assert.Contains("head.cls_score.weight: file [3, 32, 3, 3] vs model [5, 32, 3, 3]", e.Message);
        Assert.Contains("head.cls_score.bias: file [3] vs model [5]", e.Message);

        using var lenient = NarrowDefcn(numClasses: 5);
        var loaded = DetectorWeights.Load(lenient, path, strict: false);
        Assert.Equal(lenient.state_dict().Count - 2, loaded.Report.Loaded.Count);
        Assert.Equal(new[] { "head.cls_score.bias", "head.cls_score.weight" }, loaded.Report.Mismatched.Select(m => m.Key).OrderBy(k => k, StringComparer.Ordinal));
        var fx = HeadFixtures.Load("defcn_r50_narrow.safetensors");
        try { Assert.True(lenient.state_dict()["head.filter.weight"].equal(fx["model.head.filter.weight"]).all().item<bool>()); }
        finally { WeightFixtures.DisposeAll(fx.Values); }
    }

    [Fact]
    public void ACheckpointIsNotABackboneFile()
    {
        var path = Path.Combine(_dir, "model.ckpt");
        using var model = NarrowDefcn();
        CheckpointFile.Write(path, model, optimizer: null, iteration: 1, maxIter: 1);
        var e = Assert.Throws<InvalidDataException>(() => BackboneWeights.Load(model.Backbone, path));
        Assert.Contains("a training checkpoint of this framework (.ckpt)", e.Message);
        Assert.Contains("model.weights", e.Message);
    }

    [Fact]
    public void ABackboneFileIsNotADetector()
    {
        using var model = NarrowDefcn();
        var e = Assert.Throws<WeightLoadException>(() => DetectorWeights.Load(model, WeightFixtures.Path("c2_r50_narrow.pkl")));
        Assert.True(e.NothingMatched);
        Assert.Contains("conv1_w", e.Report.Unexpected);
        Assert.Contains("no key of the file matches the model", e.Message);
    }
}
