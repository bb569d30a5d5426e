using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Data;

/// <summary>
/// Training targets of one image, in the resized (model input) frame: boxes (M, 4) float32 XYXY absolute
/// pixels, classes (M) int64 contiguous 0..K−1. Crowd boxes are not targets; the detection batches carry them
/// as <see cref="IgnoreBoxes"/> (G, 4) for a rule that marks the shifts inside them as ignored.
/// </summary>
public sealed class DetectionTarget : IDisposable
{
    /// <summary>Creates a target; the tensors are owned by it. <paramref name="ignoreBoxes"/>: (G, 4) or null.</summary>
    public DetectionTarget(Tensor boxes, Tensor classes, Tensor? ignoreBoxes = null)
    {
        if (boxes.dim() != 2 || boxes.shape[1] != 4) throw new ArgumentException($"boxes must be (M, 4), got ({string.Join(", ", boxes.shape)})");
        if (classes.dim() != 1 || classes.shape[0] != boxes.shape[0]) throw new ArgumentException($"classes must be (M) with M = {boxes.shape[0]}, got ({string.Join(", ", classes.shape)})");
        if (ignoreBoxes is { } ig && (ig.dim() != 2 || ig.shape[1] != 4)) throw new ArgumentException($"ignore boxes must be (G, 4), got ({string.Join(", ", ig.shape)})");
        Boxes = boxes;
        Classes = classes;
        IgnoreBoxes = ignoreBoxes;
    }

    /// <summary>(M, 4) float32 XYXY in the resized input frame.</summary>
    public Tensor Boxes { get; }

    /// <summary>(M) int64 class indices in 0..K−1.</summary>
    public Tensor Classes { get; }

    /// <summary>
    /// (G, 4) float32 XYXY in the resized input frame: the image's ignore regions (COCO `iscrowd`, CrowdHuman
    /// `extra.ignore`), resized, flipped and clipped like <see cref="Boxes"/>; G may be 0. Null where the source has
    /// no such notion (tracking crops, hand-made targets). The official CrowdHuman models drop these boxes before
    /// assignment (they train as background); a rule may instead mark the shifts inside them −1.
    /// </summary>
    public Tensor? IgnoreBoxes { get; }

    /// <summary>Number of boxes M.</summary>
    public long Count => Boxes.shape[0];

    /// <summary>Moves the target to a device (returns a new target; this one keeps its tensors).</summary>
    public DetectionTarget To(Device device) => new(Boxes.to(device), Classes.to(device), IgnoreBoxes?.to(device));

    /// <inheritdoc />
    public void Dispose()
    {
        Boxes.Dispose();
        Classes.Dispose();
        IgnoreBoxes?.Dispose();
    }
}

/// <summary>
/// A batch as a detector takes it (DESIGN §3): images as raw pixels (detection data; the detector normalises
/// them) or already normalised (tracking crops, whose detector has no normalisation), padded
/// bottom/right with zeros to a multiple of 32, plus per-image sizes and targets.
/// </summary>
public sealed class ImageBatch : IDisposable
{
    /// <summary>Creates a batch; it owns the tensors it is given.</summary>
    public ImageBatch(Tensor images, IReadOnlyList<(int Height, int Width)> imageSizes,
        IReadOnlyList<(int Height, int Width)> originalSizes, IReadOnlyList<long> imageIds,
        IReadOnlyList<DetectionTarget>? targets = null)
    {
        var n = images.shape[0];
        if (images.dim() != 4) throw new ArgumentException($"images must be (N, 3, H, W), got ({string.Join(", ", images.shape)})");
        if (imageSizes.Count != n || originalSizes.Count != n || imageIds.Count != n || (targets != null && targets.Count != n))
            throw new ArgumentException($"batch of {n} images needs {n} sizes, original sizes, ids and targets");
        Images = images;
        ImageSizes = imageSizes;
        OriginalSizes = originalSizes;
        ImageIds = imageIds;
        Targets = targets;
    }

    /// <summary>(N, 3, H, W) float32, padded bottom/right (to a multiple of 32 by the loaders; the detector pads what is missing).</summary>
    public Tensor Images { get; }

    /// <summary>Per image: the resized size before padding (the frame of boxes and predictions).</summary>
    public IReadOnlyList<(int Height, int Width)> ImageSizes { get; }

    /// <summary>Per image: the size of the image as stored on disk (the frame of COCO results).</summary>
    public IReadOnlyList<(int Height, int Width)> OriginalSizes { get; }

    /// <summary>Per image: the dataset's image id.</summary>
    public IReadOnlyList<long> ImageIds { get; }

    /// <summary>Per image training targets, or null at inference time.</summary>
    public IReadOnlyList<DetectionTarget>? Targets { get; }

    /// <summary>Number of images N.</summary>
    public int Count => (int)Images.shape[0];

    /// <inheritdoc />
    public void Dispose()
    {
        Images.Dispose();
        if (Targets != null) foreach (var t in Targets) t.Dispose();
    }
}
