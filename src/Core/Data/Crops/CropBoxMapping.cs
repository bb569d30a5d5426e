using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Data.Crops;

/// <summary>
/// Frame boxes → crop training labels: mapped through the crop's affine map, clipped to the crop, and dropped
/// when less than a given fraction of their (mapped) area lies inside it. Predictions go the other way with
/// <see cref="CropMap.CropToFrame(Tensor)"/> (no clipping: the caller decides, e.g. the tracker's update).
/// </summary>
public static class CropBoxMapping
{
    /// <summary>
    /// Maps frame boxes into the crop. Returns, for each kept box, its index in the input and its clipped
    /// crop box; a box is kept when area(clipped) ≥ minVisibleFraction · area(mapped) and the clipped box
    /// has a positive area (so minVisibleFraction 0 keeps every box that touches the crop with some area).
    /// </summary>
    public static IReadOnlyList<(int Index, BoxXyxy Box)> FrameToCrop(CropMap map, IReadOnlyList<BoxXyxy> boxes, double minVisibleFraction)
    {
        CheckFraction(minVisibleFraction);
        var kept = new List<(int, BoxXyxy)>();
        for (var i = 0; i < boxes.Count; i++)
        {
            var mapped = map.FrameToCrop(boxes[i]);
            var clipped = mapped.ClipTo(map.OutputSize, map.OutputSize);
            if (clipped.Area > 0 && clipped.Area >= minVisibleFraction * mapped.Area) kept.Add((i, clipped));
        }
        return kept;
    }

    /// <summary>
    /// Tensor form for training targets: frame boxes (M, 4) XYXY → (kept crop boxes (M', 4) XYXY clipped to
    /// [0, S], same dtype; kept indices (M') int64 into the input), with the rule of
    /// <see cref="FrameToCrop(CropMap, IReadOnlyList{BoxXyxy}, double)"/>.
    /// </summary>
    public static (Tensor Boxes, Tensor Kept) FrameToCrop(CropMap map, Tensor boxes, double minVisibleFraction)
    {
        CheckFraction(minVisibleFraction);
        using var scope = NewDisposeScope();
        var mapped = map.FrameToCrop(boxes).to_type(ScalarType.Float64); // (M, 4)
        var clipped = mapped.clamp(0, (double)map.OutputSize); // (M, 4)
        var mappedArea = Area(mapped); // (M)
        var clippedArea = Area(clipped); // (M)
        var keep = clippedArea.gt(0).logical_and(clippedArea.ge(mappedArea * minVisibleFraction)); // (M)
        var kept = keep.nonzero().reshape(-1); // (M')
        return (clipped.index_select(0, kept).to_type(boxes.dtype).MoveToOuterDisposeScope(), kept.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// A detection target (boxes (M, 4) XYXY in the frame, classes (M) int64) as a target of the crop: boxes
    /// mapped and clipped, boxes mostly outside dropped together with their classes.
    /// </summary>
    public static DetectionTarget FrameToCrop(CropMap map, DetectionTarget target, double minVisibleFraction)
    {
        var (boxes, kept) = FrameToCrop(map, target.Boxes, minVisibleFraction);
        using (kept) return new DetectionTarget(boxes, target.Classes.index_select(0, kept));
    }

    private static Tensor Area(Tensor b) => (b[.., 2] - b[.., 0]).clamp_min(0) * (b[.., 3] - b[.., 1]).clamp_min(0);

    private static void CheckFraction(double f)
    {
        if (!(f >= 0 && f <= 1)) throw new ArgumentOutOfRangeException(nameof(f), f, "min visible fraction of a box in the crop must be in [0, 1]");
    }
}
