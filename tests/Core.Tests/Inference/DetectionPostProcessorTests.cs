using Research.Core.Dense;
using Research.Core.Inference;
using Research.Core.Modeling;
using Research.Core.Modeling.Head;
using Research.Core.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Inference;

/// <summary>Inference rules on hand-made head outputs: one level, stride 8, shifts at (4 + 8x, 4 + 8y).</summary>
public class DetectionPostProcessorTests
{
    public DetectionPostProcessorTests() => TorchRuntime.EnsureLoaded();

    private static float Logit(double p) => (float)Math.Log(p / (1 - p));

    /// <summary>One image, one level of H×W with K classes; probs[y·W + x][k]; deltas[y·W + x] = (l, t, r, b).</summary>
    private static (HeadOutputs, Tensor[]) Outputs(int h, int w, double[][] probs, float[][] deltas, double[]? filterProbs = null)
    {
        var k = probs[0].Length;
        var cls = tensor(probs.SelectMany(p => p.Select(Logit)).ToArray()).reshape(h, w, k).permute(2, 0, 1).unsqueeze(0).contiguous();   // (1, K, H, W)
        var reg = tensor(deltas.SelectMany(d => d).ToArray()).reshape(h, w, 4).permute(2, 0, 1).unsqueeze(0).contiguous();              // (1, 4, H, W)
        var flt = filterProbs is null ? null : new[] { tensor(filterProbs.Select(Logit).ToArray()).reshape(1, 1, h, w) };
        var outputs = new HeadOutputs(new[] { cls }, new[] { reg }, flt);
        return (outputs, new ShiftGenerator(new[] { 8 }).GridShifts(outputs.LevelSizes));
    }

    private static float[] Flat(Tensor t) => t.contiguous().data<float>().ToArray();

    [Fact]
    public void TopkCountsLocationsNotLocationClassPairs()
    {
        // 2 locations × 3 classes = 6 pairs above threshold; min(1000, H·W) = 2 are kept (fcos.py inference).
        var (o, s) = Outputs(1, 2, new[] { new[] { 0.9, 0.6, 0.7 }, new[] { 0.8, 0.95, 0.3 } },
            new[] { new float[] { 1, 1, 1, 1 }, new float[] { 2, 2, 2, 2 } });
        using var d = new DetectionPostProcessor().ProcessImage(o, s, 0, (8, 16));
        Assert.Equal(new[] { 0.95f, 0.9f }, Flat(d.Scores).Select(v => MathF.Round(v, 5)));
        Assert.Equal(new long[] { 1, 0 }, d.Classes.data<long>().ToArray());
        Assert.Equal(new float[] { 10, 2, 14, 6, 3, 3, 5, 5 }, Flat(d.Boxes));   // shifts (12, 4) and (4, 4)
    }

    [Fact]
    public void TopkLimitIsAppliedPerLevelBeforeTheThreshold()
    {
        var (o, s) = Outputs(2, 2, new[] { new[] { 0.2 }, new[] { 0.9 }, new[] { 0.4 }, new[] { 0.8 } },
            Enumerable.Repeat(new float[] { 1, 1, 1, 1 }, 4).ToArray());
        using var d = new DetectionPostProcessor(new InferenceSettings(TopkCandidates: 3, ScoreThresh: 0.3)).ProcessImage(o, s, 0, (16, 16));
        Assert.Equal(new[] { 0.9f, 0.8f, 0.4f }, Flat(d.Scores).Select(v => MathF.Round(v, 5)));
        using var d1 = new DetectionPostProcessor(new InferenceSettings(TopkCandidates: 1)).ProcessImage(o, s, 0, (16, 16));
        Assert.Equal(1, d1.Count);
    }

    [Fact]
    public void ThresholdIsStrictAndUsesTheProductWithTheFilter()
    {
        // sigmoid(cls)·sigmoid(filter): 0.5·1.0 → not > 0.5; 0.8·0.75 = 0.6 > 0.5; 0.9·0.5 = 0.45 dropped.
        var (o, s) = Outputs(1, 3, new[] { new[] { 0.5 }, new[] { 0.8 }, new[] { 0.9 } },
            Enumerable.Repeat(new float[] { 1, 1, 1, 1 }, 3).ToArray(), new[] { 1 - 1e-12, 0.75, 0.5 });
        using var d = new DetectionPostProcessor(new InferenceSettings(ScoreThresh: 0.5)).ProcessImage(o, s, 0, (8, 24));
        Assert.Equal(1, d.Count);
        Assert.Equal(0.6f, d.Scores.item<float>(), 5);
        // Without the filter the score is sigmoid(cls) alone; exactly 0.5 stays out (strict >).
        var (o2, s2) = Outputs(1, 3, new[] { new[] { 0.5 }, new[] { 0.8 }, new[] { 0.9 } },
            Enumerable.Repeat(new float[] { 1, 1, 1, 1 }, 3).ToArray());
        using var d2 = new DetectionPostProcessor(new InferenceSettings(ScoreThresh: 0.5)).ProcessImage(o2, s2, 0, (8, 24));
        Assert.Equal(new[] { 0.9f, 0.8f }, Flat(d2.Scores).Select(v => MathF.Round(v, 5)));
    }

    [Fact]
    public void RescalesClipsAndDropsEmptyBoxesInTheOriginalFrame()
    {
        // Input frame 8×16 (H×W), original 16×48: x ×3, y ×2. Box 1 (−6, −2, 24, 10) → (−18, −4, 72, 20) → clipped (0, 0, 48, 16).
        // Box 2 lies right of the image → width 0 after clipping → dropped.
        var (o, s) = Outputs(1, 2, new[] { new[] { 0.9 }, new[] { 0.8 } },
            new[] { new float[] { 10, 6, 20, 6 }, new float[] { -10, 1, 20, 1 } });
        using var raw = new DetectionPostProcessor().ProcessImage(o, s, 0, (8, 16));
        using var d = DetectorPostprocess.ToOriginalSize(raw, (16, 48));
        Assert.Equal(1, d.Count);
        Assert.Equal(new float[] { 0, 0, 48, 16 }, Flat(d.Boxes));
        Assert.Equal((16, 48), d.ImageSize);
        Assert.Equal(2, raw.Count);   // the input detections are unchanged
        Assert.Equal(new float[] { -6, -2, 24, 10, 22, 3, 32, 5 }, Flat(raw.Boxes));
    }

    [Fact]
    public void NmsRunsOnlyBelowThresholdOneAndOnlyWithinAClass()
    {
        // Boxes at shifts (4,4), (12,4), (20,4): (0,0,40,40), (2,0,42,40) IoU = 38·40/(2·1600 − 1520) = 0.905, and a far box.
        var deltas = new[] { new float[] { 4, 4, 36, 36 }, new float[] { 10, 4, 30, 36 }, new float[] { -80, 4, 100, 36 } };
        var sameClass = new[] { new[] { 0.9, 0.1 }, new[] { 0.8, 0.1 }, new[] { 0.7, 0.1 } };
        var (o, s) = Outputs(1, 3, sameClass, deltas);
        using var noNms = new DetectionPostProcessor().ProcessImage(o, s, 0, (40, 200));
        Assert.Equal(3, noNms.Count);
        using var nms = new DetectionPostProcessor(new InferenceSettings(NmsThresh: 0.6)).ProcessImage(o, s, 0, (40, 200));
        Assert.Equal(new[] { 0.9f, 0.7f }, Flat(nms.Scores).Select(v => MathF.Round(v, 5)));
        using var loose = new DetectionPostProcessor(new InferenceSettings(NmsThresh: 0.95)).ProcessImage(o, s, 0, (40, 200));
        Assert.Equal(3, loose.Count);
        var otherClass = new[] { new[] { 0.9, 0.1 }, new[] { 0.1, 0.8 }, new[] { 0.7, 0.1 } };
        var (o2, s2) = Outputs(1, 3, otherClass, deltas);
        using var nms2 = new DetectionPostProcessor(new InferenceSettings(NmsThresh: 0.6)).ProcessImage(o2, s2, 0, (40, 200));
        Assert.Equal(new long[] { 0, 1, 0 }, nms2.Classes.data<long>().ToArray());
    }

    [Fact]
    public void KeepsTheBestDetectionsPerImage()
    {
        var probs = Enumerable.Range(0, 6).Select(i => new[] { 0.1 + 0.1 * i }).ToArray();
        var (o, s) = Outputs(2, 3, probs, Enumerable.Repeat(new float[] { 1, 1, 1, 1 }, 6).ToArray());
        using var d = new DetectionPostProcessor(new InferenceSettings(ScoreThresh: 0.0, DetectionsPerImage: 2)).ProcessImage(o, s, 0, (16, 24));
        Assert.Equal(new[] { 0.6f, 0.5f }, Flat(d.Scores).Select(v => MathF.Round(v, 5)));
    }

    [Fact]
    public void InvalidSettingsAreRefusedByName()
    {
        var e = Assert.Throws<ArgumentException>(() => new DetectionPostProcessor(new InferenceSettings(TopkCandidates: 0)));
        Assert.Contains("topk_candidates", e.Message);
    }
}
