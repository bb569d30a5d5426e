namespace Research.Core.Data.Crops;

/// <summary>
/// Where a target-centred crop lies in the frame. The side is context · sqrt((w + p)(h + p)) with
/// p = (w + h) / 2, the context-padded square of Siamese trackers (SiamFC, Bertinetto et al. 2016, §2.4:
/// exemplar side sqrt((w + p)(h + p)), search region a fixed multiple of it).
/// </summary>
public static class CropRegion
{
    /// <summary>Side of the square region for a w × h target and a context factor.</summary>
    public static double Side(double width, double height, double context)
    {
        if (!(width > 0 && height > 0) || !double.IsFinite(width) || !double.IsFinite(height))
            throw new ArgumentException($"target box must have a positive finite size, got {width} × {height}");
        if (!(context > 0) || !double.IsFinite(context))
            throw new ArgumentOutOfRangeException(nameof(context), context, "crop context factor must be > 0");
        var p = 0.5 * (width + height);
        return context * Math.Sqrt((width + p) * (height + p));
    }

    /// <summary>
    /// The crop map for a target: region centred on the target (moved and rescaled by an optional jitter
    /// draw), resized to outputSize × outputSize.
    /// </summary>
    public static CropMap Around(BoxXyxy target, double context, int outputSize,
        (double ShiftX, double ShiftY, double SideFactor)? jitter = null)
    {
        if (outputSize <= 0) throw new ArgumentOutOfRangeException(nameof(outputSize), outputSize, "crop output size must be > 0");
        var side = Side(target.Width, target.Height, context);
        var cx = target.CenterX;
        var cy = target.CenterY;
        if (jitter is { } j)
        {
            cx += j.ShiftX * side;
            cy += j.ShiftY * side;
            side *= j.SideFactor;
        }
        return new CropMap(cx - 0.5 * side, cy - 0.5 * side, side, outputSize);
    }
}
