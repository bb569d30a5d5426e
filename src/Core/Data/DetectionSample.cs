namespace Research.Core.Data;

/// <summary>
/// One image after the transforms, before batching: the raw pixels, planar (3, h, w) float32 in the
/// configured channel order, and its boxes in the same (resized, possibly flipped) frame. Plain arrays, so
/// the background data thread never touches libtorch.
/// </summary>
public sealed class DetectionSample
{
    /// <summary>Creates a sample; <paramref name="ignoreBoxes"/> default to none.</summary>
    public DetectionSample(long imageId, float[] pixels, int height, int width, (int Height, int Width) originalSize,
        IReadOnlyList<BoxXyxy> boxes, IReadOnlyList<int> classes, bool flipped, IReadOnlyList<BoxXyxy>? ignoreBoxes = null)
    {
        if (pixels.Length != 3 * height * width) throw new ArgumentException($"{pixels.Length} values for a (3, {height}, {width}) image");
        if (boxes.Count != classes.Count) throw new ArgumentException($"{boxes.Count} boxes but {classes.Count} classes");
        ImageId = imageId;
        Pixels = pixels;
        ImageSize = (height, width);
        OriginalSize = originalSize;
        Boxes = boxes;
        Classes = classes;
        Flipped = flipped;
        IgnoreBoxes = ignoreBoxes ?? Array.Empty<BoxXyxy>();
    }

    /// <summary>The dataset's image id.</summary>
    public long ImageId { get; }

    /// <summary>(3, h, w) float32 planar, raw 0–255 values in the config's channel order (the detector normalises), not padded.</summary>
    public float[] Pixels { get; }

    /// <summary>(h, w) of <see cref="Pixels"/>: the frame of <see cref="Boxes"/>.</summary>
    public (int Height, int Width) ImageSize { get; }

    /// <summary>The size of the image file.</summary>
    public (int Height, int Width) OriginalSize { get; }

    /// <summary>Training boxes, XYXY in the resized frame (crowd and empty boxes removed).</summary>
    public IReadOnlyList<BoxXyxy> Boxes { get; }

    /// <summary>Contiguous classes 0..K−1 of <see cref="Boxes"/>.</summary>
    public IReadOnlyList<int> Classes { get; }

    /// <summary>
    /// Ignore regions (the image's crowd annotations: COCO `iscrowd`, CrowdHuman `extra.ignore`), XYXY in the same
    /// frame as <see cref="Boxes"/>, transformed, clipped and emptied-out like them.
    /// </summary>
    public IReadOnlyList<BoxXyxy> IgnoreBoxes { get; }

    /// <summary>Whether the image was mirrored.</summary>
    public bool Flipped { get; }

    /// <summary>The value of channel c at row y, column x.</summary>
    public float Pixel(int c, int y, int x) => Pixels[(c * ImageSize.Height + y) * ImageSize.Width + x];
}
