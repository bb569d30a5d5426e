namespace Research.Core.Data;

/// <summary>
/// Resize so the shorter side has a given length unless the longer side would exceed a maximum, in which
/// case the longer side gets the maximum (cvpods transforms/transform_gen.py `ResizeShortestEdge`,
/// l.516-539, and `ResizeTransform`).
/// </summary>
public static class ResizeShortestEdge
{
    /// <summary>
    /// The output (height, width) for an input of (height, width), following the reference's arithmetic
    /// exactly: scale = short / min(h, w); the long side is scale·long; if the longer result exceeds
    /// maxSize both are scaled by maxSize / longer; each side is then rounded with int(x + 0.5).
    /// </summary>
    public static (int Height, int Width) OutputSize(int height, int width, int shortEdge, int maxSize)
    {
        if (height <= 0 || width <= 0) throw new ArgumentException($"image size must be positive, got {height}x{width}");
        if (shortEdge <= 0 || maxSize <= 0) throw new ArgumentException($"short edge and max size must be positive, got {shortEdge}, {maxSize}");
        var scale = shortEdge * 1.0 / Math.Min(height, width);
        double newH, newW;
        if (height < width) { newH = shortEdge; newW = scale * width; }
        else { newH = scale * height; newW = shortEdge; }
        if (Math.Max(newH, newW) > maxSize)
        {
            var s = maxSize * 1.0 / Math.Max(newH, newW);
            newH *= s;
            newW *= s;
        }
        return ((int)(newH + 0.5), (int)(newW + 0.5));
    }

    /// <summary>
    /// Resizes a planar (3, H, W) 0–255 image to (3, newHeight, newWidth): antialiased bilinear
    /// (<see cref="ImageResampler"/>, PIL's BILINEAR, which the reference uses), then rounded and clamped to
    /// 0–255 because the reference's resized image is uint8.
    /// </summary>
    public static float[] ResizeImage(float[] planar, int height, int width, int newHeight, int newWidth)
    {
        var resized = ImageResampler.Resize(planar, 3, height, width, newHeight, newWidth);
        for (var i = 0; i < resized.Length; i++) resized[i] = Math.Clamp(MathF.Round(resized[i]), 0, 255);
        return resized;
    }

    /// <summary>Maps a box from an (height, width) image to the resized (newHeight, newWidth) one.</summary>
    public static BoxXyxy ResizeBox(BoxXyxy box, int height, int width, int newHeight, int newWidth) =>
        box.Scale(newWidth * 1.0 / width, newHeight * 1.0 / height);
}
