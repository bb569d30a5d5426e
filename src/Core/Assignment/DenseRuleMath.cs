using Research.Core.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Assignment;

/// <summary>
/// Tensor helpers of the rules that work on dense (M, R) matrices as the official code does (center, FCOS, ATSS,
/// anchor): the cvpods box arithmetic in the same float32 operations, level slices of the shifts, and the
/// per-image result of a "value per (GT, shift), best GT per shift" resolution.
/// </summary>
internal static class DenseRuleMath
{
    /// <summary>get_deltas(shift, box) = (x − x1, y − y1, x2 − x, y2 − y), broadcast (cvpods Shift2BoxTransform, weights 1).</summary>
    public static Tensor Deltas(Tensor shifts, Tensor boxes) =>
        cat(new[] { shifts - boxes[TensorIndex.Ellipsis, ..2], boxes[TensorIndex.Ellipsis, 2..] - shifts }, -1);

    /// <summary>Box centres (M, 2) of boxes (M, 4) XYXY (cvpods Boxes.get_centers).</summary>
    public static Tensor Centers(Tensor boxes) => (boxes[TensorIndex.Colon, ..2] + boxes[TensorIndex.Colon, 2..]) / 2;

    /// <summary>Box areas (M) of boxes (M, 4) XYXY (cvpods Boxes.area, no clamp).</summary>
    public static Tensor Areas(Tensor boxes) =>
        (boxes[TensorIndex.Colon, 2] - boxes[TensorIndex.Colon, 0]) * (boxes[TensorIndex.Colon, 3] - boxes[TensorIndex.Colon, 1]);

    /// <summary>
    /// IoU (M, P) of boxes (M, 4) with boxes (P, 4), XYXY, as cvpods pairwise_iou: intersection clamped at 0,
    /// inter / (area1 + area2 − inter) where inter &gt; 0, else 0.
    /// </summary>
    public static Tensor PairwiseIou(Tensor boxes1, Tensor boxes2)
    {
        using var scope = NewDisposeScope();
        var area1 = Areas(boxes1);
        var area2 = Areas(boxes2);
        var wh = (minimum(boxes1.unsqueeze(1)[TensorIndex.Ellipsis, 2..], boxes2[TensorIndex.Colon, 2..])
                  - maximum(boxes1.unsqueeze(1)[TensorIndex.Ellipsis, ..2], boxes2[TensorIndex.Colon, ..2])).clamp_min(0);   // (M, P, 2)
        var inter = wh[TensorIndex.Ellipsis, 0] * wh[TensorIndex.Ellipsis, 1];                                                 // (M, P)
        var iou = where(inter.gt(0), inter / (area1.unsqueeze(1) + area2 - inter), zeros(1, dtype: inter.dtype, device: inter.device));
        return iou.MoveToOuterDisposeScope();
    }

    /// <summary>The shifts (R, 2) cut into levels of the given (H_l, W_l): per level (start, count).</summary>
    public static (long Start, long Count)[] LevelSlices(Tensor shifts, IReadOnlyList<(int Height, int Width)> levelSizes)
    {
        var slices = new (long, long)[levelSizes.Count];
        long start = 0;
        for (var l = 0; l < levelSizes.Count; l++)
        {
            long count = (long)levelSizes[l].Height * levelSizes[l].Width;
            slices[l] = (start, count);
            start += count;
        }
        if (start != shifts.shape[0]) throw new ArgumentException($"the level sizes cover {start} shifts, the shifts are {shifts.shape[0]}");
        return slices;
    }

    /// <summary>The [low, high] size range (R, 2) float32 of every shift: its level's range (OBJECT_SIZES_OF_INTEREST).</summary>
    public static Tensor SizeRangePerShift(Tensor shifts, (long Start, long Count)[] slices, IReadOnlyList<(double Low, double High)> ranges) =>
        cat(slices.Select((s, l) => tensor(new[] { (float)ranges[l].Low, (float)ranges[l].High }, device: shifts.device)
            .unsqueeze(0).expand(s.Count, -1)).ToArray(), 0);

    /// <summary>Whether each largest distance (M, R) lies in its shift's range (R, 2), inclusive at both ends as the reference.</summary>
    public static Tensor InSizeRange(Tensor maxDeltas, Tensor ranges) =>
        maxDeltas.ge(ranges[TensorIndex.Colon, 0].unsqueeze(0)).logical_and(maxDeltas.le(ranges[TensorIndex.Colon, 1].unsqueeze(0)));

    /// <summary>
    /// The pairs (GT, shift) of foreground shifts: <paramref name="foreground"/> (R) bool, <paramref name="matched"/> (R)
    /// the GT of every shift; sorted by GT, then shift.
    /// </summary>
    public static AssignmentResult Pairs(Tensor foreground, Tensor matched)
    {
        var fgIdx = foreground.nonzero().flatten();                                          // (F)
        var fgShifts = HostCopy.Longs(fgIdx);
        var fgGts = HostCopy.Longs(matched.index_select(0, fgIdx));
        var pairs = fgShifts.Zip(fgGts, (r, i) => (Gt: (int)i, Shift: (int)r)).OrderBy(p => p.Gt).ThenBy(p => p.Shift).ToArray();
        return new AssignmentResult(pairs.Select(p => p.Gt).ToArray(), pairs.Select(p => p.Shift).ToArray());
    }

    /// <summary>Checks the batch shape and returns per image the GT boxes (M, 4) float32 and classes (M) on the shifts' device.</summary>
    public static (Tensor Boxes, Tensor Classes)[] Targets(Dense.DensePredictions predictions, IReadOnlyList<Data.DetectionTarget> targets, int numClasses)
    {
        if (targets.Count != predictions.ImageCount) throw new ArgumentException($"{targets.Count} targets for a batch of {predictions.ImageCount} images");
        var device = predictions.Shifts.device;
        var result = new (Tensor, Tensor)[targets.Count];
        for (var n = 0; n < targets.Count; n++)
        {
            var classes = targets[n].Classes.to(device);
            if (classes.numel() > 0 && (classes.min().item<long>() < 0 || classes.max().item<long>() >= numClasses))
                throw new ArgumentException($"image {n}: a GT class is outside 0..{numClasses - 1}");
            result[n] = (targets[n].Boxes.to(ScalarType.Float32).to(device), classes);
        }
        return result;
    }

    /// <summary>
    /// The per-image skeleton of the dense rules: for each image, <paramref name="match"/> gives from its GT boxes
    /// (M, 4) (M ≥ 1) the GT of every shift (R) int64 and which shifts are foreground (R) bool; classes are the matched
    /// GT's class there and K elsewhere, regression targets <paramref name="regression"/>(matched GT boxes (R, 4)) there
    /// and 0 elsewhere; an image without GT is all background. Returns the batch's targets with the matches.
    /// </summary>
    public static ShiftTargets AssignPerImage(Dense.DensePredictions predictions, IReadOnlyList<Data.DetectionTarget> targets, int numClasses,
        Func<Tensor, (Tensor Matched, Tensor Foreground)> match, Func<Tensor, Tensor> regression)
    {
        using var scope = NewDisposeScope();
        var gts = Targets(predictions, targets, numClasses);
        var device = predictions.Shifts.device;
        long R = predictions.Shifts.shape[0];
        var allClasses = new List<Tensor>();
        var allReg = new List<Tensor>();
        var matches = new AssignmentResult[gts.Length];
        int numFg = 0, numGt = 0;
        for (int n = 0; n < gts.Length; n++)
        {
            using var imageScope = NewDisposeScope();
            var (boxes, gtClasses) = gts[n];                                                    // (M, 4), (M)
            numGt += (int)boxes.shape[0];
            if (boxes.shape[0] == 0)
            {
                allClasses.Add(full(new long[] { R }, numClasses, dtype: ScalarType.Int64, device: device).MoveToOuterDisposeScope());
                allReg.Add(zeros(R, 4, device: device).MoveToOuterDisposeScope());
                matches[n] = new AssignmentResult(Array.Empty<int>(), Array.Empty<int>());
                continue;
            }
            var (matched, fg) = match(boxes);                                                  // (R), (R)
            allClasses.Add(gtClasses.index_select(0, matched).masked_fill(fg.logical_not(), numClasses).MoveToOuterDisposeScope());
            allReg.Add(regression(boxes.index_select(0, matched)).masked_fill(fg.logical_not().unsqueeze(1), 0f).MoveToOuterDisposeScope());   // (R, 4)
            matches[n] = Pairs(fg, matched);
            numFg += matches[n].Rows.Length;
        }
        var classT = stack(allClasses, 0).MoveToOuterDisposeScope();                           // (N, R)
        var regT = stack(allReg, 0).MoveToOuterDisposeScope();                                 // (N, R, 4)
        return new ShiftTargets(classT, regT, numFg, numGt, matches);
    }
}
