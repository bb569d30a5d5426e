using Research.Core.Data;
using Research.Core.Detectors;
using Research.Core.Evaluation;
using Research.Core.Inference;
using Research.Core.Modeling.Head;
using Research.Core.Runtime;
using Research.Core.Tests.Data;
using Research.Core.Tests.Modeling;
using Research.Core.Training;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Training;

/// <summary>On CrowdHuman-style data the validation loop adds the official CrowdHuman metrics of each variant.</summary>
public class CrowdValidationTests
{
    public CrowdValidationTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void CrowdMetricsEqualTheEvaluatorOnTheOdgtFileForEveryVariant()
    {
        using var f = new OdgtFixture();
        for (var i = 0; i < 2; i++)
            DataFixture.WritePng(Path.Combine(f.ImageDir, $"p{i}.png"), 64, 64, (x, y) => ((byte)(x * 4), (byte)(y * 4), (byte)((x + y) * 2)));
        var odgt = f.Odgt("val.odgt",
            """{"ID": "p0", "gtboxes": [{"tag": "person", "fbox": [4, 4, 20, 40], "extra": {"ignore": 0}}, {"tag": "person", "fbox": [14, 6, 20, 40]}, {"tag": "mask", "fbox": [40, 0, 24, 30], "extra": {"ignore": 1}}]}""",
            """{"ID": "p1", "gtboxes": [{"tag": "person", "fbox": [30, 10, 16, 44]}, {"tag": "person", "fbox": [50, 20, 30, 40]}]}""");
        var dataset = CrowdHumanDataset.Load(odgt, f.ImageDir);
        manual_seed(51);
        using var model = new Defcn(new TinyBackbone(), numClasses: 1, head: new HeadOptions(NumConvs: 1),
            normalization: new PixelNormalization(new[] { 127.5f, 127.5f, 127.5f }, new[] { 64f, 64f, 64f }));
        using (no_grad())
        {
            // Every P3 shift predicts a 20 × 40 box around itself (relu(1·b)·8 with l, r = 10, t, b = 20): person-sized.
            model.state_dict()["head.cls_score.bias"].fill_(0.0);
            model.state_dict()["head.bbox_pred.weight"].zero_();
            model.state_dict()["head.bbox_pred.bias"].copy_(tensor(new float[] { 1.25f, 2.5f, 1.25f, 2.5f }));
        }
        var input = new InputOptions { MinSizeTest = 64, MaxSizeTest = 64, PixelMean = new[] { 0.0, 0, 0 }, PixelStd = new[] { 1.0, 1, 1 } };
        var variants = new[] { new EvaluationVariant("bbox/", new InferenceSettings()), new EvaluationVariant("bbox_nms/", new InferenceSettings(NmsThresh: 0.5)) };
        var out_ = Path.Combine(f.Directory, "eval");
        var report = new DetectionValidation(dataset, input, 2, variants, pictures: 0).Evaluate(model, out_);
        Assert.Equal("crowd_nms/", DetectionValidation.CrowdPrefix("bbox_nms/"));
        // The same detections through the file route: the official reading of the .odgt (unclipped boxes, tags) and
        // the detections json mapped to the odgt IDs.
        var gt = CrowdHumanGroundTruth.Load(odgt, imageSizes: id => (64, 64));
        foreach (var v in variants)
        {
            var json = Path.Combine(out_, $"detections_{v.Prefix.TrimEnd('/').Replace('/', '_')}.json");
            var dets = CocoDetections.Load(json).Select(d => new CrowdHumanDetection(dataset.Image(d.ImageId).SourceId!, d.X, d.Y, d.Width, d.Height, d.Score)).ToArray();
            Assert.NotEmpty(dets);
            var expected = CrowdHumanEvaluator.Evaluate(gt, dets).ToMetrics(DetectionValidation.CrowdPrefix(v.Prefix));
            foreach (var (k, value) in expected)
                Assert.Equal(value, report.Metrics[k], 6);
        }
        Assert.True(report.Metrics["crowd/recall"] > 0, "the untrained model still finds some of the persons among its 100 boxes");
        Assert.True(report.Metrics["crowd/recall"] >= report.Metrics["crowd_nms/recall"], "NMS can only remove detections");
    }
}
