using Research.Core.Dense;
using Research.Core.Inference;
using Research.Core.Modeling;
using Research.Core.Modeling.Head;
using Research.Core.Tests.Modeling.Head;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Inference;

/// <summary>DetectionPostProcessor against the official FCOS.inference + cvpods detector_postprocess.</summary>
public class InferenceParityTests
{
    private static readonly (int, int)[] ImageSizes = { (150, 90), (160, 77) };
    private static readonly (int, int)[] OriginalSizes = { (301, 181), (487, 233) };

    [Theory]
    [InlineData("reference", 1000, 0.05, 1.0, 100)]
    [InlineData("nms", 50, 0.3, 0.5, 30)]
    [InlineData("none", 1000, 0.05, 1.0, 100)]
    public void DetectionsMatchOfficial(string name, int topk, double thresh, double nms, int maxDet)
    {
        var fx = HeadFixtures.Load("inference.safetensors");
        using var scope = NewDisposeScope();
        var levels = HeadFixtures.Levels;
        var cls = levels.Select(p => fx[$"cls.{p}"]).ToArray();
        var reg = levels.Select(p => fx[$"bbox_reg.{p}"]).ToArray();
        var flt = levels.Select(p => fx[$"filter.{p}"]).ToArray();
        var clsBefore = cls.Select(t => t.clone()).ToArray();
        var outputs = new HeadOutputs(cls, reg, flt);
        var shifts = new ShiftGenerator(HeadFixtures.Strides).GridShifts(outputs.LevelSizes);
        for (var l = 0; l < shifts.Length; l++)
            Assert.True(shifts[l].equal(fx[$"shifts.{levels[l]}"]).all().item<bool>(), $"shifts of level {levels[l]} differ from cvpods");

        var post = new DetectionPostProcessor(new InferenceSettings(thresh, topk, nms, maxDet));
        var raw = Enumerable.Range(0, 2).Select(i => post.ProcessImage(outputs, shifts, i, ImageSizes[i])).ToArray();
        var final = post.Process(outputs, shifts, ImageSizes, OriginalSizes);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(fx[$"{name}.raw.classes.{i}"].data<long>().ToArray(), raw[i].Classes.data<long>().ToArray());
            HeadFixtures.AssertClose(fx[$"{name}.raw.scores.{i}"], raw[i].Scores, $"{name} raw scores {i}");
            HeadFixtures.AssertClose(fx[$"{name}.raw.boxes.{i}"], raw[i].Boxes, $"{name} raw boxes {i}");
            Assert.Equal(fx[$"{name}.classes.{i}"].data<long>().ToArray(), final[i].Classes.data<long>().ToArray());
            HeadFixtures.AssertClose(fx[$"{name}.scores.{i}"], final[i].Scores, $"{name} scores {i}");
            HeadFixtures.AssertClose(fx[$"{name}.boxes.{i}"], final[i].Boxes, $"{name} boxes {i}");
            Assert.Equal(OriginalSizes[i], final[i].ImageSize);
            final[i].Dispose();
        }
        // Head outputs are left untouched (the official code overwrites them with sigmoids).
        for (var l = 0; l < cls.Length; l++) Assert.True(cls[l].equal(clsBefore[l]).all().item<bool>());
        foreach (var t in fx.Values) t.Dispose();
    }
}
