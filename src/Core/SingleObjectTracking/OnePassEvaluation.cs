using Research.Core.Data;
using Research.Core.Data.Crops;

namespace Research.Core.SingleObjectTracking;

/// <summary>
/// Curves and scores of a one-pass evaluation (OPE) of one sequence, or averaged over sequences.
/// </summary>
/// <param name="Ious">Per frame IoU of prediction and ground truth (empty for an average).</param>
/// <param name="CenterErrors">Per frame distance of the box centres in pixels (empty for an average).</param>
/// <param name="SuccessCurve">Fraction of frames with IoU &gt; t for t in <see cref="OnePassEvaluation.SuccessThresholds"/>.</param>
/// <param name="PrecisionCurve">Fraction of frames with centre error ≤ t for t in <see cref="OnePassEvaluation.PrecisionThresholds"/>.</param>
public sealed record OnePassResult(IReadOnlyList<double> Ious, IReadOnlyList<double> CenterErrors,
    IReadOnlyList<double> SuccessCurve, IReadOnlyList<double> PrecisionCurve)
{
    /// <summary>Area under the success curve: the mean of its 21 points (the OTB score).</summary>
    public double SuccessAuc => SuccessCurve.Average();

    /// <summary>Precision at a 20-pixel centre error (the OTB precision score).</summary>
    public double PrecisionAt20 => PrecisionCurve[20];
}

/// <summary>
/// One-pass evaluation as in OTB (Wu et al., "Online Object Tracking: A Benchmark", CVPR 2013, §4.1) and its
/// Python re-implementations (got10k-toolkit ExperimentOTB, pysot OPEBenchmark): the tracker starts from the
/// first frame's ground truth and runs once; every frame, the first included, is scored.
/// <list type="bullet">
/// <item>Success curve: 21 IoU thresholds t = 0, 0.05, ..., 1 (numpy linspace(0, 1, 21)); a frame succeeds
/// when IoU &gt; t (strictly, so the point at t = 1 is 0 unless boxes coincide to the bit). AUC = the mean
/// of the 21 points.</item>
/// <item>Precision curve: 51 centre-error thresholds 0, 1, ..., 50 pixels; a frame succeeds when error ≤ t.
/// Precision score = the point at 20 pixels.</item>
/// <item>A sequence set is summarised by averaging the per-sequence curves (each sequence weighs the same).</item>
/// </list>
/// IoU is clipped to [0, 1] as pysot does (got10k's unclipped IoU can round to 1 + 1e−15 for an exact copy and
/// then count at t = 1: float noise, not tracking), so the point at t = 1 is always 0 and a perfect tracker
/// scores AUC 20/21. Centres use continuous x, y, w, h; OTB's 1-based "x + (w − 1) / 2" centres give the same
/// differences. Ground truth here always has w, h &gt; 0, so OTB's handling of invalid frames never applies.
/// Fixtures/sot/generate_ope.py pins these curves to numpy.
/// </summary>
public static class OnePassEvaluation
{
    /// <summary>The 21 IoU thresholds i · 0.05 (the last exactly 1), as numpy's linspace(0, 1, 21).</summary>
    public static IReadOnlyList<double> SuccessThresholds { get; } = Enumerable.Range(0, 21).Select(i => i == 20 ? 1.0 : i * 0.05).ToArray();

    /// <summary>The 51 centre-error thresholds 0..50 pixels.</summary>
    public static IReadOnlyList<double> PrecisionThresholds { get; } = Enumerable.Range(0, 51).Select(i => (double)i).ToArray();

    /// <summary>IoU of two boxes (0 when disjoint or empty, at most 1).</summary>
    public static double Iou(BoxXyxy a, BoxXyxy b)
    {
        var iw = Math.Min(a.X2, b.X2) - Math.Max(a.X1, b.X1);
        var ih = Math.Min(a.Y2, b.Y2) - Math.Max(a.Y1, b.Y1);
        if (iw <= 0 || ih <= 0) return 0;
        var inter = iw * ih;
        return Math.Min(1.0, inter / (a.Area + b.Area - inter));
    }

    /// <summary>Euclidean distance of the box centres in pixels.</summary>
    public static double CenterError(BoxXyxy a, BoxXyxy b)
    {
        double dx = a.CenterX - b.CenterX, dy = a.CenterY - b.CenterY;
        return Math.Sqrt(dx * dx + dy * dy);
    }

    /// <summary>Scores one sequence: predictions and ground truth, one box per frame each.</summary>
    public static OnePassResult Evaluate(IReadOnlyList<BoxXyxy> predicted, IReadOnlyList<BoxXyxy> truth)
    {
        if (predicted.Count != truth.Count) throw new ArgumentException($"{predicted.Count} predicted boxes for {truth.Count} ground-truth frames");
        if (truth.Count == 0) throw new ArgumentException("cannot evaluate an empty sequence");
        var ious = predicted.Zip(truth, Iou).ToArray();
        var errors = predicted.Zip(truth, CenterError).ToArray();
        var success = SuccessThresholds.Select(t => ious.Count(v => v > t) / (double)ious.Length).ToArray();
        var precision = PrecisionThresholds.Select(t => errors.Count(e => e <= t) / (double)errors.Length).ToArray();
        return new OnePassResult(ious, errors, success, precision);
    }

    /// <summary>The average over sequences: per-threshold means of the curves (per-frame lists left empty).</summary>
    public static OnePassResult Average(IReadOnlyList<OnePassResult> results)
    {
        if (results.Count == 0) throw new ArgumentException("no sequence results to average");
        double[] Mean(Func<OnePassResult, IReadOnlyList<double>> curve) =>
            Enumerable.Range(0, curve(results[0]).Count).Select(i => results.Average(r => curve(r)[i])).ToArray();
        return new OnePassResult(Array.Empty<double>(), Array.Empty<double>(), Mean(r => r.SuccessCurve), Mean(r => r.PrecisionCurve));
    }
}
