using Research.Core.Data;
using Research.Core.Data.Crops;
using Research.Core.SingleObjectTracking;
using Xunit;

namespace Research.Core.Tests.SingleObjectTracking;

public class OnePassEvaluationTests
{
    // Truth (0,0,10,10) every frame; predictions give IoU 1, 1/3, 0, 1/2 and centre errors 0, 5, √800, 5.
    private static readonly BoxXyxy Truth = new(0, 0, 10, 10);

    private static readonly BoxXyxy[] Predictions =
    {
        new(0, 0, 10, 10), new(5, 0, 15, 10), new(20, 20, 30, 30), new(0, 0, 10, 20),
    };

    [Fact]
    public void IouAndCentreErrorHandValues()
    {
        Assert.Equal(1.0, OnePassEvaluation.Iou(Truth, Predictions[0]));
        Assert.Equal(1.0 / 3, OnePassEvaluation.Iou(Truth, Predictions[1]), 15);
        Assert.Equal(0.0, OnePassEvaluation.Iou(Truth, Predictions[2]));
        Assert.Equal(0.5, OnePassEvaluation.Iou(Truth, Predictions[3]));
        Assert.Equal(0.0, OnePassEvaluation.Iou(Truth, new BoxXyxy(10, 0, 20, 10))); // touching edges
        Assert.Equal(5.0, OnePassEvaluation.CenterError(Truth, Predictions[1]));
        Assert.Equal(Math.Sqrt(800), OnePassEvaluation.CenterError(Truth, Predictions[2]), 12);
    }

    [Fact]
    public void CurvesAndScoresHandComputed()
    {
        var r = OnePassEvaluation.Evaluate(Predictions, Enumerable.Repeat(Truth, 4).ToArray());
        Assert.Equal(21, r.SuccessCurve.Count);
        Assert.Equal(51, r.PrecisionCurve.Count);
        // IoU > t: t ≤ 0.30 → {1, 1/3, 1/2}; 0.35..0.45 → {1, 1/2}; 0.5..0.95 → {1} (1/2 is not > 0.5); t = 1 → none
        var expected = Enumerable.Repeat(0.75, 7).Concat(Enumerable.Repeat(0.5, 3)).Concat(Enumerable.Repeat(0.25, 10)).Append(0.0).ToArray();
        Assert.Equal(expected, r.SuccessCurve);
        Assert.Equal(9.25 / 21, r.SuccessAuc, 15);
        // error ≤ t: t < 5 → {0}; 5 ≤ t < 28.28 → {0, 5, 5}; t ≥ 29 → all
        Assert.Equal(0.25, r.PrecisionCurve[4]);
        Assert.Equal(0.75, r.PrecisionCurve[5]);
        Assert.Equal(0.75, r.PrecisionCurve[28]);
        Assert.Equal(1.0, r.PrecisionCurve[29]);
        Assert.Equal(0.75, r.PrecisionAt20);
    }

    [Fact]
    public void ThresholdsFollowNumpyLinspaceAndIntegerPixels()
    {
        Assert.Equal(0.0, OnePassEvaluation.SuccessThresholds[0]);
        Assert.Equal(0.30000000000000004, OnePassEvaluation.SuccessThresholds[6]); // 6 · 0.05 in doubles, as linspace
        Assert.Equal(1.0, OnePassEvaluation.SuccessThresholds[20]);
        Assert.Equal(Enumerable.Range(0, 51).Select(i => (double)i), OnePassEvaluation.PrecisionThresholds);
    }

    [Fact]
    public void AverageWeighsSequencesEqually()
    {
        var a = OnePassEvaluation.Evaluate(Predictions, Enumerable.Repeat(Truth, 4).ToArray());
        var b = OnePassEvaluation.Evaluate(new[] { Truth }, new[] { Truth }); // perfect, one frame
        var avg = OnePassEvaluation.Average(new[] { a, b });
        Assert.Equal((0.75 + 1) / 2, avg.SuccessCurve[0]);
        Assert.Equal((0.0 + 0.0) / 2, avg.SuccessCurve[20]); // IoU 1 is not > 1
        Assert.Equal((9.25 / 21 + 20.0 / 21) / 2, avg.SuccessAuc, 15);
        Assert.Equal((0.75 + 1) / 2, avg.PrecisionAt20);
        Assert.Throws<ArgumentException>(() => OnePassEvaluation.Evaluate(Predictions, new[] { Truth }));
    }

    [Fact]
    public void FixedBoxBaselineHoldsTheFirstBox()
    {
        // target moving right by 5 px per frame: IoUs 1, 1/3, 0
        var truth = new[] { new BoxXyxy(0, 0, 10, 10), new BoxXyxy(5, 0, 15, 10), new BoxXyxy(10, 0, 20, 10) };
        var predicted = FixedBoxBaseline.Track(truth);
        Assert.Equal(Enumerable.Repeat(truth[0], 3), predicted);
        var r = OnePassEvaluation.Evaluate(predicted, truth);
        // success: t ≤ 0.30 → 2/3 (7 points); 0.35..0.95 → 1/3 (13 points); t = 1 → 0
        Assert.Equal((7 * 2.0 / 3 + 13 * 1.0 / 3) / 21, r.SuccessAuc, 14);
        Assert.Equal(2.0 / 3, r.PrecisionCurve[9], 15); // errors 0, 5, 10
        Assert.Equal(1.0, r.PrecisionAt20);
    }
}
