using Research.Core.Assignment;
using Research.Core.Data;
using Research.Core.Detectors;
using Research.Core.Inference;
using Research.Core.Modeling.Head;
using Research.Core.Runtime;
using Research.Core.Tests.Modeling;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Detectors;

/// <summary>The FCOS / ATSS detector and the anchor-rule DeFCN end to end on a small backbone: keys, losses, gradients, detections.</summary>
public class FcosTests
{
    public FcosTests() => TorchRuntime.EnsureLoaded();

    private static ImageBatch Batch(bool withGt = true)
    {
        manual_seed(41);
        var images = rand(2, 3, 64, 96) * 255;
        var sizes = new[] { (64, 96), (64, 96) };
        var targets = new[]
        {
            new DetectionTarget(withGt ? tensor(new float[] { 10, 8, 40, 50, 44, 10, 90, 60 }, new long[] { 2, 4 }) : zeros(0, 4),
                                withGt ? tensor(new long[] { 0, 2 }) : zeros(0, dtype: ScalarType.Int64)),
            new DetectionTarget(withGt ? tensor(new float[] { 20, 20, 60, 44 }, new long[] { 1, 4 }) : zeros(0, 4),
                                withGt ? tensor(new long[] { 1 }) : zeros(0, dtype: ScalarType.Int64)),
        };
        return new ImageBatch(images, sizes, sizes, new long[] { 1, 2 }, targets);
    }

    private static Fcos Model(OneToManyRule rule, bool centerness = true, InferenceSettings? inference = null)
    {
        manual_seed(42);
        return new Fcos(new TinyBackbone(), numClasses: 3, rule, centerness, head: new HeadOptions(NumConvs: 1),
            inference: inference, normalization: new PixelNormalization(new[] { 127.5f, 127.5f, 127.5f }, new[] { 64f, 64f, 64f }));
    }

    [Fact]
    public void StateDictHasTheCvpodsFcosKeysAndNoFilterBranch()
    {
        using var fcos = Model(OneToManyRule.Fcos);
        var keys = fcos.state_dict().Keys.Where(k => k.StartsWith("head.") && !k.Contains("subnet")).ToArray();
        Assert.Equal(new[] { "head.cls_score.weight", "head.cls_score.bias", "head.bbox_pred.weight", "head.bbox_pred.bias",
                             "head.centerness.weight", "head.centerness.bias",
                             "head.scales.0.scale", "head.scales.1.scale", "head.scales.2.scale", "head.scales.3.scale", "head.scales.4.scale" }, keys);
        using var wo = Model(OneToManyRule.Fcos, centerness: false);
        Assert.DoesNotContain(wo.state_dict().Keys, k => k.Contains("centerness"));
        Assert.Equal(0.6, fcos.InferenceSettings.NmsThresh);          // the official FCOS/ATSS test setting
    }

    [Theory]
    [InlineData(OneToManyRule.Fcos, true)]
    [InlineData(OneToManyRule.Fcos, false)]
    [InlineData(OneToManyRule.Atss, true)]
    public void LossesReachEveryBranchAndAnImageWithoutGtIsBackground(OneToManyRule rule, bool centerness)
    {
        using var model = Model(rule, centerness);
        model.train();
        using var batch = Batch();
        using (var losses = model.Losses(batch))
        {
            var expected = centerness ? new[] { "loss_box_reg", "loss_centerness", "loss_cls" } : new[] { "loss_box_reg", "loss_cls" };
            Assert.Equal(expected, losses.Losses.Keys.OrderBy(k => k, StringComparer.Ordinal));
            Assert.True(losses.Diagnostics["num_fg_per_gt"] > 1, "one-to-many: several shifts per GT");
            losses.Total().backward();
        }
        var grads = model.named_parameters().Where(p => p.name.StartsWith("head.")).ToDictionary(p => p.name, p => p.parameter.grad);
        foreach (var name in new[] { "head.cls_score.weight", "head.bbox_pred.weight" }.Concat(centerness ? new[] { "head.centerness.weight" } : Array.Empty<string>()))
            Assert.True(grads[name]!.abs().sum().item<float>() > 0, $"{name} gets no gradient");
        using var empty = Batch(withGt: false);
        using var none = model.Losses(empty);
        Assert.Equal(0f, none.Losses["loss_box_reg"].item<float>());
        Assert.True(none.Losses["loss_cls"].item<float>() > 0 && float.IsFinite(none.Losses["loss_cls"].item<float>()));
        if (centerness) Assert.Equal(0f, none.Losses["loss_centerness"].item<float>());
    }

    [Fact]
    public void PredictScoresSqrtOfClassTimesCenternessAndSuppressesOverlapsPerClass()
    {
        using var model = Model(OneToManyRule.Fcos, inference: Fcos.ReferenceInference with { ScoreThresh = 0.0 });
        using (no_grad()) model.state_dict()["head.cls_score.bias"].fill_(0.0);
        using var batch = Batch();
        var detections = model.Predict(batch);
        foreach (var d in detections)
        {
            Assert.InRange(d.Count, 1, 100);
            var boxes = d.Boxes.data<float>().ToArray();
            var scores = d.Scores.data<float>().ToArray();
            var classes = d.Classes.data<long>().ToArray();
            for (var i = 1; i < scores.Length; i++) Assert.True(scores[i] <= scores[i - 1], "sorted by score");
            for (var i = 0; i < d.Count; i++)
                for (var j = i + 1; j < d.Count; j++)
                    if (classes[i] == classes[j])
                    {
                        var iou = Iou(boxes, i, j);
                        Assert.True(iou <= 0.6 + 1e-6, $"same-class boxes {i}, {j} overlap at IoU {iou} after NMS 0.6");
                    }
            d.Dispose();
        }
    }

    private static double Iou(float[] b, int i, int j)
    {
        double w = Math.Max(0, Math.Min(b[4 * i + 2], b[4 * j + 2]) - Math.Max(b[4 * i], b[4 * j]));
        double h = Math.Max(0, Math.Min(b[4 * i + 3], b[4 * j + 3]) - Math.Max(b[4 * i + 1], b[4 * j + 1]));
        double a(int k) => (b[4 * k + 2] - b[4 * k]) * (b[4 * k + 3] - b[4 * k + 1]);
        return w * h / (a(i) + a(j) - w * h);
    }

    [Fact]
    public void TheAnchorRuleTrainsDeltasAgainstSquareAnchorsAndPredictsWithoutNms()
    {
        manual_seed(43);
        using var model = new Defcn(new TinyBackbone(), numClasses: 3, head: new HeadOptions(NumConvs: 1), filter: new FilterOptions(Enabled: false),
            poto: PotoOptions.Reference with { Rule = OneToOneRule.Anchor }, auxiliaryLoss: false,
            inference: new InferenceSettings(ScoreThresh: 0.0));
        Assert.DoesNotContain(model.state_dict().Keys, k => k.Contains("scales"));
        Assert.Equal(new[] { 32.0, 64.0, 128.0, 256.0, 512.0 }, model.Criterion.Anchors!.Sizes);
        model.train();
        using var batch = Batch();
        using (var losses = model.Losses(batch))
        {
            Assert.Equal(1.0, losses.Diagnostics["num_fg_per_gt"]);            // three GTs far apart: one anchor each
            Assert.True(float.IsFinite(losses.Total().item<float>()));
        }
        var detections = model.Predict(batch);
        Assert.All(detections, d => Assert.Equal(100, d.Count));                // no NMS: the best 100 of the top-k
        foreach (var d in detections) d.Dispose();
        Assert.Throws<ArgumentException>(() => new Defcn(new TinyBackbone(), numClasses: 3, poto: PotoOptions.Reference with { Rule = OneToOneRule.Anchor }));
    }
}
