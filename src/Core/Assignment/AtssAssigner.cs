using Research.Core.Data;
using Research.Core.Dense;
using TorchSharp;
using Research.Core.Runtime;
using static TorchSharp.torch;
using static Research.Core.Assignment.DenseRuleMath;

namespace Research.Core.Assignment;

/// <summary>
/// ATSS's one-to-many rule as DeFCN's CrowdHuman playground implements it (atss...30k/atss.py l.197-303): each shift
/// carries a virtual square anchor of side ANCHOR_SCALE × stride; per level each GT takes the TOPK shifts nearest its
/// centre (exact Euclidean distance) as candidates; a candidate is foreground when its anchor IoU with the GT is
/// ≥ mean + std (unbiased) of that GT's candidate IoUs and the shift lies strictly inside the GT; a shift claimed by
/// several GTs goes to the GT of highest anchor IoU (the first on a tie). No predictions are used.
/// 0 GT: all background; a level with fewer than TOPK shifts gives all its shifts (the reference fails on both).
/// </summary>
public sealed class AtssAssigner : IAssignmentRule
{
    private readonly int[] _strides;
    private readonly int _numClasses;
    private readonly double _anchorScale;
    private readonly int _topK;

    /// <summary>Creates the rule.</summary>
    /// <param name="strides">Stride of each level, P3 first.</param>
    /// <param name="numClasses">Number of classes K.</param>
    /// <param name="anchorScale">ATSS.ANCHOR_SCALE (8): the virtual anchor's side in strides.</param>
    /// <param name="topK">ATSS.TOPK (9): nearest shifts per level and GT.</param>
    public AtssAssigner(IReadOnlyList<int> strides, int numClasses, double anchorScale = 8, int topK = 9)
    {
        if (strides.Count == 0) throw new ArgumentException("ATSS needs at least one level", nameof(strides));
        if (numClasses < 1) throw new ArgumentException($"num_classes must be positive, got {numClasses}", nameof(numClasses));
        if (!(anchorScale > 0) || double.IsInfinity(anchorScale)) throw new ArgumentException($"model.atss.anchor_scale must be positive, got {anchorScale}", nameof(anchorScale));
        if (topK < 1) throw new ArgumentException($"model.atss.topk must be ≥ 1, got {topK}", nameof(topK));
        _strides = strides.ToArray();
        _numClasses = numClasses;
        _anchorScale = anchorScale;
        _topK = topK;
    }

    /// <inheritdoc />
    public string Name => "atss";

    /// <inheritdoc />
    public ShiftTargets Assign(DensePredictions predictions, IReadOnlyList<DetectionTarget> targets)
    {
        if (predictions.LevelSizes.Count != _strides.Length)
            throw new ArgumentException($"ATSS was built for {_strides.Length} levels, the predictions have {predictions.LevelSizes.Count}");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var shifts = predictions.Shifts;                                                        // (R, 2)
        var slices = LevelSlices(shifts, predictions.LevelSizes);
        var anchors = cat(slices.Select((s, l) =>
        {
            var half = _strides[l] * _anchorScale / 2;
            var ls = shifts.narrow(0, s.Start, s.Count);
            return cat(new[] { ls - half, ls + half }, 1);
        }).ToArray(), 0);                                                                       // (R, 4) virtual anchors
        var result = AssignPerImage(predictions, targets, _numClasses, boxes =>
        {
            var inBoxes = Deltas(shifts, boxes.unsqueeze(1)).min(-1).values.gt(0);             // (M, R)
            var centers = Centers(boxes);                                                      // (M, 2)
            var ious = new Tensor[slices.Length];
            var candidates = new Tensor[slices.Length];
            for (int l = 0; l < slices.Length; l++)
            {
                var (start, count) = slices[l];
                var ls = shifts.narrow(0, start, count);                                       // (R_l, 2)
                ious[l] = PairwiseIou(boxes, anchors.narrow(0, start, count));                  // (M, R_l)
                var distances = CorrectlyRounded.Sqrt((centers.unsqueeze(1) - ls).pow(2).sum(-1));             // (M, R_l)
                var k = (int)Math.Min(_topK, count);
                candidates[l] = distances.topk(k, dim: 1, largest: false).indexes + start;     // (M, k)
            }
            var iou = cat(ious, 1);                                                            // (M, R)
            var candidateIdx = cat(candidates, 1);                                             // (M, C)
            var candidateIou = iou.gather(1, candidateIdx);
            var threshold = candidateIou.mean(new long[] { 1 }, keepdim: true) + candidateIou.std(1, unbiased: true, keepdim: true);   // (M, 1)
            var isFg = zeros_like(inBoxes).scatter_(1, candidateIdx, ones_like(candidateIdx, dtype: ScalarType.Bool))
                .logical_and(iou.ge(threshold));
            var quality = iou.masked_fill(inBoxes.logical_not(), -1f).masked_fill(isFg.logical_not(), -1f);   // (M, R)
            var (maxIou, matched) = quality.max(0);                                            // (R), (R)
            return (matched, maxIou.ne(-1f));
        }, matchedBoxes => Deltas(shifts, matchedBoxes));
        result.Classes.MoveToOuterDisposeScope();
        result.RegTargets!.MoveToOuterDisposeScope();
        return result;
    }
}
