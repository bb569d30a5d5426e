using Research.Core.Data;
using Research.Core.Data.Crops;
using Research.Core.Runtime;
using Research.Core.SingleObjectTracking;
using Xunit;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Tests.SingleObjectTracking;

public class TrackerUpdateTests
{
    public TrackerUpdateTests() => TorchRuntime.EnsureLoaded();

    /// <summary>A detector that ignores the pixels and answers fixed crop boxes with fixed scores.</summary>
    private static DetectInCrop Fixed(float[] boxes, float[] scores) =>
        _ => (tensor(boxes, new long[] { scores.Length, 4 }), tensor(scores));

    /// <summary>
    /// A detector that finds bright pixels: the bounding box (crop pixels) of pixels above half intensity,
    /// score 0.9, plus a decoy box in the corner with score 0.2. Nothing bright → no detection.
    /// </summary>
    private static (Tensor, Tensor) BrightBlob(Tensor crop)
    {
        var mask = crop[0].gt(137.5); // (S, S)
        var ys = mask.any(1).nonzero().reshape(-1);
        var xs = mask.any(0).nonzero().reshape(-1);
        if (xs.shape[0] == 0) return (zeros(0, 4), zeros(0));
        float x1 = xs.min().item<long>(), x2 = xs.max().item<long>() + 1, y1 = ys.min().item<long>(), y2 = ys.max().item<long>() + 1;
        return (tensor(new[] { 0, 0, 5, 5, x1, y1, x2, y2 }, new long[] { 2, 4 }), tensor(new[] { 0.2f, 0.9f }));
    }

    // Previous box (40, 40, 60, 60): p = 20, side 2 · sqrt(40 · 40) = 80, crop 160 → scale 2, origin (10, 10).
    // Crop box (90, 80, 150, 120) is frame box (55, 50, 85, 70): 30 × 20 centred at (70, 60).
    [Theory]
    [InlineData(1.0, 55, 50, 85, 70)]
    [InlineData(0.5, 57.5, 50, 82.5, 70)]
    [InlineData(0.0, 60, 50, 80, 70)]
    public void StepMapsTheBestBoxBackAndSmoothsItsSize(double rate, double x1, double y1, double x2, double y2)
    {
        using var scope = NewDisposeScope();
        var frame = zeros(3, 100, 100);
        var detect = Fixed(new float[] { 0, 0, 10, 10, 90, 80, 150, 120 }, new[] { 0.4f, 0.8f });
        var step = TrackerUpdate.Step(frame, new BoxXyxy(40, 40, 60, 60), detect, new TrackerOptions(2, 160, rate));
        Assert.Equal(new CropMap(10, 10, 80, 160), step.Map);
        Assert.Equal(new BoxXyxy(55, 50, 85, 70), step.Detection);
        Assert.Equal(new BoxXyxy(x1, y1, x2, y2), step.Box);
        Assert.Equal(0.8, step.Score, 6);
    }

    [Fact]
    public void NoUsableDetectionKeepsThePreviousBox()
    {
        using var scope = NewDisposeScope();
        var frame = zeros(3, 100, 100);
        var previous = new BoxXyxy(40, 40, 60, 60);
        var low = TrackerUpdate.Step(frame, previous, Fixed(new float[] { 90, 80, 150, 120 }, new[] { 0.5f }), new TrackerOptions(2, 160, 1, MinScore: 0.6));
        Assert.Equal(previous, low.Box);
        Assert.Null(low.Detection);
        Assert.Equal(0.0, low.Score);
        var none = TrackerUpdate.Step(frame, previous, _ => (zeros(0, 4), zeros(0)), new TrackerOptions(2, 160, 1));
        Assert.Equal(previous, none.Box);
        Assert.Throws<ArgumentException>(() => TrackerUpdate.Step(frame, previous, _ => (zeros(2, 4), zeros(3)), new TrackerOptions()));
    }

    [Fact]
    public void PickBestTakesTheFirstOfTiedMaxima()
    {
        using var scope = NewDisposeScope();
        var boxes = tensor(new float[] { 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5 }, new long[] { 3, 4 });
        var best = TrackerUpdate.PickBest(boxes, tensor(new[] { 0.1f, 0.7f, 0.7f }), 0);
        Assert.Equal((new BoxXyxy(2, 2, 3, 3), (double)0.7f), best);
        Assert.Null(TrackerUpdate.PickBest(boxes, tensor(new[] { 0.1f, 0.2f, 0.3f }), 0.5));
    }

    [Fact]
    public void KeepInsideShiftsClampsAndEnforcesTheMinimumSize()
    {
        Assert.Equal(new BoxXyxy(0, 10, 30, 30), TrackerUpdate.KeepInside(new BoxXyxy(-10, 10, 20, 30), 100, 80, 4));
        Assert.Equal(new BoxXyxy(60, 60, 100, 80), TrackerUpdate.KeepInside(new BoxXyxy(90, 70, 130, 90), 100, 80, 4));
        Assert.Equal(new BoxXyxy(0, 0, 100, 50), TrackerUpdate.KeepInside(new BoxXyxy(0, 0, 150, 50), 100, 80, 4));
        Assert.Equal(new BoxXyxy(48.5, 38.5, 52.5, 42.5), TrackerUpdate.KeepInside(new BoxXyxy(50, 40, 51, 41), 100, 80, 4));
        Assert.Equal(new BoxXyxy(20, 20, 30, 30), TrackerUpdate.KeepInside(new BoxXyxy(20, 20, 30, 30), 100, 80, 4));
    }

    [Fact]
    public void SmoothKeepsTheDetectedCentre()
    {
        var s = TrackerUpdate.Smooth(new BoxXyxy(0, 0, 10, 20), new BoxXyxy(100, 100, 130, 140), 0.25);
        Assert.Equal(new BoxXyxy(115 - 7.5, 120 - 12.5, 115 + 7.5, 120 + 12.5), s); // w = 0.75·10 + 0.25·30, h = 0.75·20 + 0.25·40
    }

    [Fact]
    public void RunFollowsAMovingTargetWithAPixelDetectorAndBeatsTheFixedBox()
    {
        // A 16 × 12 white block moving by (3, 1.5) px per frame on a dark 160 × 120 frame.
        const int n = 30;
        var truth = Enumerable.Range(0, n).Select(i => BoxXyxy.FromXywh(20 + 3 * i, 20 + 1.5 * i, 16, 12)).ToArray();
        Tensor Frame(int i)
        {
            var f = full(new long[] { 3, 120, 160 }, 20f);
            var b = truth[i];
            // integer columns, half-pixel rows: the odd frames' rows 0.5 covered get intensity in between
            f[.., (int)b.Y1..(int)Math.Ceiling(b.Y2), (int)b.X1..(int)b.X2] = 255f;
            if (b.Y1 % 1 != 0)
            {
                f[.., (int)b.Y1, (int)b.X1..(int)b.X2] = 137.5f;
                f[.., (int)b.Y2, (int)b.X1..(int)b.X2] = 137.5f;
            }
            return f;
        }

        using var scope = NewDisposeScope();
        var steps = TrackerUpdate.Run(n, Frame, truth[0], BrightBlob, new TrackerOptions(2, 64, 1.0));
        Assert.Equal(n, steps.Count);
        Assert.Equal(truth[0], steps[0].Box);
        var predicted = steps.Select(s => s.Box).ToArray();
        var tracked = OnePassEvaluation.Evaluate(predicted, truth);
        var baseline = OnePassEvaluation.Evaluate(FixedBoxBaseline.Track(truth), truth);
        Assert.All(tracked.Ious, iou => Assert.True(iou > 0.75, $"IoU {iou}"));
        Assert.Equal(1.0, tracked.PrecisionAt20);
        Assert.True(tracked.SuccessAuc > 0.75, $"tracker AUC {tracked.SuccessAuc}");
        Assert.True(baseline.SuccessAuc < 0.2, $"baseline AUC {baseline.SuccessAuc}");
        Assert.All(steps.Skip(1), s => Assert.Equal(0.9, s.Score, 6)); // the decoy (score 0.2) is never taken
    }
}

public class TrackerLeakTests
{
    public TrackerLeakTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void StepsAndTrainingSamplesReleaseEverythingTheyDoNotReturn()
    {
        using var frame = rand(3, 60, 80, generator: new TorchSharp.torch.Generator(2)) * 255;
        using var objects = new Research.Core.Data.DetectionTarget(tensor(new float[] { 10, 10, 30, 30 }, new long[] { 1, 4 }), tensor(new long[] { 0 }));
        var settings = new CropSettings(2, 32, 0.5, new CropJitter(0.1, 0.1));
        var options = new TrackerOptions(2, 32, 0.5);
        var random = new Random(1);
        // no outer dispose scope: the detector's outputs and every temporary must be released inside
        DetectInCrop detect = crop => (tensor(new float[] { 8, 8, 24, 24 }, new long[] { 1, 4 }), tensor(new[] { 0.5f }));
        long Round()
        {
            TrackerUpdate.Step(frame, new BoxXyxy(10, 10, 30, 30), detect, options);
            var (crop, target, _) = CropTrainingSample.Make(frame, objects, 0, settings, random);
            crop.Dispose();
            target.Dispose();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        }
        Round();
        var after1 = Round();
        Round();
        Round();
        Assert.Equal(after1, Round());
    }
}
