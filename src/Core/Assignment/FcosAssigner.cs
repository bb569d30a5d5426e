using Research.Core.Data;
using Research.Core.Dense;
using TorchSharp;
using static TorchSharp.torch;
using static Research.Core.Assignment.DenseRuleMath;

namespace Research.Core.Assignment;

/// <summary>
/// FCOS's one-to-many rule (cvpods meta_arch/fcos.py get_ground_truth l.228-335; the same in DeFCN's
/// fcos...wo_ctrness): a shift is a candidate of a GT when it lies strictly inside the GT's centre box
/// [max(c − r·s, x1y1), min(c + r·s, x2y2)] (r = CENTER_SAMPLING_RADIUS, s = the level's stride; r = 0: strictly
/// inside the GT) and its largest (l, t, r, b) distance to the GT lies in the level's size range (inclusive at both
/// ends); a shift claimed by several GTs goes to the smallest-area GT (the first on a tie). No predictions are used.
/// 0 GT: all background (the reference fails on an empty min).
/// </summary>
public sealed class FcosAssigner : IAssignmentRule
{
    private readonly int[] _strides;
    private readonly (double Low, double High)[] _sizeRanges;
    private readonly int _numClasses;
    private readonly double _radius;

    /// <summary>Creates the rule.</summary>
    /// <param name="strides">Stride of each level, P3 first.</param>
    /// <param name="sizeRanges">Per level [low, high] of the largest regression distance (OBJECT_SIZES_OF_INTEREST;
    /// <see cref="CenterRuleAssigner.RangesFromBounds"/> of 64, 128, 256, 512 for P3-P7).</param>
    /// <param name="numClasses">Number of classes K.</param>
    /// <param name="centerSamplingRadius">CENTER_SAMPLING_RADIUS in strides (1.5); 0 = inside the GT box.</param>
    public FcosAssigner(IReadOnlyList<int> strides, IReadOnlyList<(double Low, double High)> sizeRanges, int numClasses, double centerSamplingRadius = 1.5)
    {
        if (strides.Count == 0) throw new ArgumentException("FCOS needs at least one level", nameof(strides));
        if (sizeRanges.Count != strides.Count)
            throw new ArgumentException($"FCOS has {sizeRanges.Count} size ranges (model.fcos.size_bounds + 1) for {strides.Count} levels", nameof(sizeRanges));
        if (numClasses < 1) throw new ArgumentException($"num_classes must be positive, got {numClasses}", nameof(numClasses));
        if (!(centerSamplingRadius >= 0)) throw new ArgumentException($"model.fcos.center_sampling_radius must be ≥ 0, got {centerSamplingRadius}", nameof(centerSamplingRadius));
        _strides = strides.ToArray();
        _sizeRanges = sizeRanges.ToArray();
        _numClasses = numClasses;
        _radius = centerSamplingRadius;
    }

    /// <inheritdoc />
    public string Name => "fcos";

    /// <inheritdoc />
    public ShiftTargets Assign(DensePredictions predictions, IReadOnlyList<DetectionTarget> targets)
    {
        if (predictions.LevelSizes.Count != _strides.Length)
            throw new ArgumentException($"FCOS was built for {_strides.Length} levels, the predictions have {predictions.LevelSizes.Count}");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var shifts = predictions.Shifts;                                                        // (R, 2)
        long R = shifts.shape[0];
        var slices = LevelSlices(shifts, predictions.LevelSizes);
        var osi = SizeRangePerShift(shifts, slices, _sizeRanges);                                // (R, 2)
        var result = AssignPerImage(predictions, targets, _numClasses, boxes =>
        {
            var deltas = Deltas(shifts, boxes.unsqueeze(1));                                   // (M, R, 4)
            Tensor inBoxes;
            if (_radius > 0)
            {
                var centers = Centers(boxes);                                                  // (M, 2)
                var parts = new Tensor[slices.Length];
                for (int l = 0; l < slices.Length; l++)
                {
                    var radius = _strides[l] * _radius;
                    var centerBoxes = cat(new[] { maximum(centers - radius, boxes[TensorIndex.Colon, ..2]),
                                                  minimum(centers + radius, boxes[TensorIndex.Colon, 2..]) }, -1);   // (M, 4)
                    var centerDeltas = Deltas(shifts.narrow(0, slices[l].Start, slices[l].Count), centerBoxes.unsqueeze(1));   // (M, R_l, 4)
                    parts[l] = centerDeltas.min(-1).values.gt(0);
                }
                inBoxes = cat(parts, 1);                                                       // (M, R)
            }
            else
            {
                inBoxes = deltas.min(-1).values.gt(0);
            }
            var maxDeltas = deltas.max(-1).values;                                             // (M, R)
            var cared = InSizeRange(maxDeltas, osi);
            var area = Areas(boxes).unsqueeze(1).repeat(new long[] { 1, R })
                .masked_fill(inBoxes.logical_not(), double.PositiveInfinity)
                .masked_fill(cared.logical_not(), double.PositiveInfinity);                   // (M, R)
            var (minArea, matched) = area.min(0);                                               // (R), (R)
            return (matched, minArea.ne(double.PositiveInfinity));
        }, matchedBoxes => Deltas(shifts, matchedBoxes));
        result.Classes.MoveToOuterDisposeScope();
        result.RegTargets!.MoveToOuterDisposeScope();
        return result;
    }
}
