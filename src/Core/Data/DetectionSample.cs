using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Data;

/// <summary>
/// One image after the transforms, before batching: the normalised image (3, h, w) float32 and its boxes in
/// the same (resized, possibly flipped) frame.
/// </summary>
public sealed class DetectionSample : IDisposable
{
    /// <summary>Creates a sample; it owns the image tensor.</summary>
    public DetectionSample(long imageId, Tensor image, (int Height, int Width) originalSize,
        IReadOnlyList<BoxXyxy> boxes, IReadOnlyList<int> classes, bool flipped)
    {
        if (boxes.Count != classes.Count) throw new ArgumentException($"{boxes.Count} boxes but {classes.Count} classes");
        ImageId = imageId;
        Image = image;
        OriginalSize = originalSize;
        Boxes = boxes;
        Classes = classes;
        Flipped = flipped;
    }

    /// <summary>The dataset's image id.</summary>
    public long ImageId { get; }

    /// <summary>(3, h, w) float32, normalised by pixel mean/std, not padded.</summary>
    public Tensor Image { get; }

    /// <summary>(h, w) of <see cref="Image"/>: the frame of <see cref="Boxes"/>.</summary>
    public (int Height, int Width) ImageSize => ((int)Image.shape[1], (int)Image.shape[2]);

    /// <summary>The size of the image file.</summary>
    public (int Height, int Width) OriginalSize { get; }

    /// <summary>Training boxes, XYXY in the resized frame (crowd and empty boxes removed).</summary>
    public IReadOnlyList<BoxXyxy> Boxes { get; }

    /// <summary>Contiguous classes 0..K−1 of <see cref="Boxes"/>.</summary>
    public IReadOnlyList<int> Classes { get; }

    /// <summary>Whether the image was mirrored.</summary>
    public bool Flipped { get; }

    /// <inheritdoc />
    public void Dispose() => Image.Dispose();
}
