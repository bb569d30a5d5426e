using Research.Core.Detectors;
using Research.Core.Tests.Modeling;
using Research.Core.Data;
using Research.Core.Inference;
using Research.Core.Modeling;
using Research.Core.Modeling.Head;
using Research.Core.Runtime;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Detectors;

public class DefcnTests
{
    public DefcnTests() => TorchRuntime.EnsureLoaded();

    private static Defcn Model(FilterOptions? filter = null, InferenceSettings? inference = null)
    {
        manual_seed(21);
        var model = new Defcn(new TinyBackbone(), numClasses: 4, head: new HeadOptions(NumConvs: 1), filter: filter, inference: inference);
        // A less confident prior so that random images give detections above the 0.05 threshold.
        using (no_grad()) model.state_dict()["head.cls_score.bias"].fill_(-1.0);
        return model;
    }

    private static ImageBatch Batch()
    {
        manual_seed(22);
        return new ImageBatch(randn(2, 3, 96, 64), new[] { (90, 60), (96, 41) }, new[] { (450, 300), (200, 85) }, new long[] { 1, 2 });
    }

    [Fact]
    public void StateKeysArePrefixedLikeTheOfficialModel()
    {
        using var model = Model();
        var keys = model.state_dict().Keys.ToList();
        Assert.All(keys, k => Assert.True(k.StartsWith("backbone.") || k.StartsWith("head."), k));
        Assert.Contains("backbone.bottom_up.weight", keys);
        Assert.Contains("head.cls_subnet.0.weight", keys);
        Assert.Contains("head.max3d.norm.weight", keys);
        Assert.Contains("head.scales.4.scale", keys);
        using var noFilter = Model(new FilterOptions(Enabled: false));
        Assert.DoesNotContain(noFilter.state_dict().Keys, k => k.StartsWith("head.filter") || k.StartsWith("head.max3d"));
    }

    [Fact]
    public void ForwardGivesPerLevelOutputsAndShifts()
    {
        using var model = Model();
        using var batch = Batch();
        using var o = model.forward(batch.Images);
        var expected = new (long, long)[] { (12, 8), (6, 4), (3, 2), (2, 1), (1, 1) };
        Assert.Equal(expected, o.LevelSizes);
        Assert.Equal(new long[] { 2, 4, 12, 8 }, o.Logits[0].shape);
        var shifts = model.Shifts(o);
        Assert.Equal(expected.Select(s => s.Item1 * s.Item2), shifts.Select(s => s.shape[0]));
        Assert.Equal(new float[] { 16, 16, 48, 16 }, shifts[2][..2].flatten().data<float>().ToArray());
        foreach (var s in shifts) s.Dispose();
        Assert.Throws<ArgumentException>(() => new Defcn(new NotABackbone(), 3));
    }

    [Fact]
    public void PredictEqualsForwardPlusPostProcessingAndRestoresTrainingMode()
    {
        using var model = Model();
        using var batch = Batch();
        model.train();
        var detections = model.Predict(batch);
        Assert.True(model.training);
        Assert.Equal(2, detections.Count);

        model.eval();
        using var scope = NewDisposeScope();
        using var o = model.forward(batch.Images);
        var expected = model.PostProcessor.Process(o, model.Shifts(o), batch.ImageSizes, batch.OriginalSizes);
        for (var i = 0; i < 2; i++)
        {
            var d = detections[i];
            Assert.True(d.Count > 0 && d.Count <= 100, $"image {i}: {d.Count} detections");
            Assert.Equal(batch.OriginalSizes[i], d.ImageSize);
            var (h, w) = batch.OriginalSizes[i];
            Assert.True(d.Boxes[.., 0].min().item<float>() >= 0 && d.Boxes[.., 2].max().item<float>() <= w);
            Assert.True(d.Boxes[.., 1].min().item<float>() >= 0 && d.Boxes[.., 3].max().item<float>() <= h);
            Assert.True((d.Boxes[.., 2] > d.Boxes[.., 0]).all().item<bool>());
            Assert.Equal(ScalarType.Int64, d.Classes.dtype);
            Assert.True(d.Scores[..^1].ge(d.Scores[1..]).all().item<bool>(), "scores sorted descending");
            Assert.True(expected[i].Boxes.allclose(d.Boxes));
            Assert.Equal(expected[i].Classes.data<long>().ToArray(), d.Classes.data<long>().ToArray());
            d.Dispose();
            expected[i].Dispose();
        }
    }

    [Fact]
    public void NoTensorLeakOverRepeatedForwardsAndPredictions()
    {
        using var model = Model();
        using var batch = Batch();
        void Step()
        {
            using (var o = model.forward(batch.Images))
            {
                var (cls, reg, flt, _) = o.Flatten();
                cls.Dispose(); reg.Dispose(); flt?.Dispose();
            }
            foreach (var d in model.Predict(batch)) d.Dispose();
        }
        Step();
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 5; i++) Step();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void TrainingForwardBackpropagatesToEveryHeadBranch()
    {
        using var model = Model();
        using var batch = Batch();
        model.train();
        using var o = model.forward(batch.Images);
        using var loss = o.Logits.Concat(o.BoxRegression).Concat(o.Filter!).Select(t => t.sum()).Aggregate((a, b) => a + b);
        loss.backward();
        foreach (var name in new[] { "head.cls_score.weight", "head.bbox_pred.weight", "head.filter.weight", "head.max3d.conv.weight", "backbone.bottom_up.weight" })
        {
            var p = model.named_parameters().First(kv => kv.name == name).parameter;
            Assert.True(p.grad is not null && p.grad.abs().sum().item<float>() > 0, $"no gradient reached {name}");
        }
    }

    private sealed class NotABackbone : nn.Module<Tensor, Tensor[]>
    {
        public NotABackbone() : base("x") { }
        public override Tensor[] forward(Tensor input) => new[] { input };
    }
}
