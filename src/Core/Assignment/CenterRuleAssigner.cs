using Research.Core.Data;
using Research.Core.Dense;
using TorchSharp;
using static TorchSharp.torch;
using static Research.Core.Assignment.DenseRuleMath;

namespace Research.Core.Assignment;

/// <summary>
/// The paper's center rule (official center...3x_ms fcos.py l.181-276), a hand-designed one-to-one intent that
/// ignores the predictions: on every level each GT takes its <c>k</c> shifts nearest to its centre (torch.cdist +
/// topk, as the reference, so equidistant ties resolve the same way), kept where the shift's largest (l, t, r, b)
/// distance to the GT lies in that level's size range (inclusive at both ends); a shift claimed by several GTs goes
/// to the smallest GT. There is no inside-box test, so a tiny GT's nearest shift may lie outside it (negative
/// targets), and a GT can get 0, 1 or 2 positives (adjacent ranges touch). 0 GT: all background (the reference fails).
/// </summary>
public sealed class CenterRuleAssigner : IAssignmentRule
{
    private readonly (double Low, double High)[] _sizeRanges;
    private readonly int _topK;
    private readonly int _numClasses;

    /// <summary>
    /// Creates the rule: per level (P3 first) the range [low, high] of the largest regression distance it predicts
    /// (the reference's OBJECT_SIZES_OF_INTEREST, [−1, 64], [64, 128], …, [512, ∞]), nearest shifts per level k
    /// (DISTANCE_TOPK, 1), K classes.
    /// </summary>
    public CenterRuleAssigner(IReadOnlyList<(double Low, double High)> sizeRanges, int numClasses, int topK = 1)
    {
        if (sizeRanges.Count == 0) throw new ArgumentException("the center rule needs one size range per level", nameof(sizeRanges));
        if (topK < 1) throw new ArgumentException($"model.center.distance_topk must be ≥ 1, got {topK}", nameof(topK));
        if (numClasses < 1) throw new ArgumentException($"num_classes must be positive, got {numClasses}", nameof(numClasses));
        _sizeRanges = sizeRanges.ToArray();
        _topK = topK;
        _numClasses = numClasses;
    }

    /// <summary>
    /// The reference's ranges from the <paramref name="bounds"/> between levels: level l covers
    /// [b_{l−1}, b_l] with b_{−1} = −1 and b_{L−1} = ∞ (DeFCN's [[−1, 64], [64, 128], [128, 256], [256, 512], [512, ∞]]
    /// are the bounds 64, 128, 256, 512).
    /// </summary>
    public static (double Low, double High)[] RangesFromBounds(IReadOnlyList<double> bounds) =>
        Enumerable.Range(0, bounds.Count + 1)
            .Select(l => (l == 0 ? -1.0 : bounds[l - 1], l == bounds.Count ? double.PositiveInfinity : bounds[l]))
            .ToArray();

    /// <inheritdoc />
    public string Name => "center";

    /// <inheritdoc />
    public ShiftTargets Assign(DensePredictions predictions, IReadOnlyList<DetectionTarget> targets)
    {
        if (predictions.LevelSizes.Count != _sizeRanges.Length)
            throw new ArgumentException($"the center rule has {_sizeRanges.Length} size ranges (model.center.size_bounds + 1) for {predictions.LevelSizes.Count} levels");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var shifts = predictions.Shifts;                                                        // (R, 2)
        long R = shifts.shape[0];
        var slices = LevelSlices(shifts, predictions.LevelSizes);
        var osi = SizeRangePerShift(shifts, slices, _sizeRanges);                                // (R, 2)
        var result = AssignPerImage(predictions, targets, _numClasses, boxes =>
        {
            var maxDeltas = Deltas(shifts, boxes.unsqueeze(1)).max(2).values;                  // (M, R)
            var cared = InSizeRange(maxDeltas, osi);
            var centers = Centers(boxes);                                                      // (M, 2)
            var candidates = new List<Tensor>();
            foreach (var (start, count) in slices)
            {
                var k = (int)Math.Min(_topK, count);
                var (_, idx) = cdist(centers, shifts.narrow(0, start, count)).topk(k, dim: 1, largest: false);   // (M, k)
                candidates.Add(idx + start);
            }
            var candidateIdx = cat(candidates, 1);                                             // (M, L·k)
            var isFg = zeros_like(cared).scatter_(1, candidateIdx, ones_like(candidateIdx, dtype: ScalarType.Bool));
            var area = Areas(boxes).unsqueeze(1).repeat(new long[] { 1, R })
                .masked_fill(cared.logical_not(), double.PositiveInfinity).masked_fill(isFg.logical_not(), double.PositiveInfinity);   // (M, R)
            var (minArea, matched) = area.min(0);                                               // (R), (R)
            return (matched, minArea.ne(double.PositiveInfinity));
        }, matchedBoxes => Deltas(shifts, matchedBoxes));
        result.Classes.MoveToOuterDisposeScope();
        result.RegTargets!.MoveToOuterDisposeScope();
        return result;
    }
}
