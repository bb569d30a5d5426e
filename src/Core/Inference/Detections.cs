using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Inference;

/// <summary>
/// Detections of one image: boxes (D, 4) float32 XYXY absolute pixels, scores (D) float32, classes (D)
/// int64 in 0..K−1, sorted by score descending. <see cref="ImageSize"/> is the frame of the boxes
/// (the original image after <see cref="DetectorPostprocess.ToOriginalSize"/>). Owns its tensors.
/// </summary>
public sealed class Detections : IDisposable
{
    /// <summary>Wraps the tensors (taken over by this object).</summary>
    public Detections(Tensor boxes, Tensor scores, Tensor classes, (int Height, int Width) imageSize)
    {
        if (boxes.dim() != 2 || boxes.shape[1] != 4) throw new ArgumentException($"boxes must be (D, 4), got ({string.Join(", ", boxes.shape)})");
        if (scores.dim() != 1 || scores.shape[0] != boxes.shape[0] || classes.dim() != 1 || classes.shape[0] != boxes.shape[0])
            throw new ArgumentException($"scores and classes must be (D) with D = {boxes.shape[0]}, got ({string.Join(", ", scores.shape)}) and ({string.Join(", ", classes.shape)})");
        Boxes = boxes;
        Scores = scores;
        Classes = classes;
        ImageSize = imageSize;
    }

    /// <summary>(D, 4) float32 XYXY absolute pixels in the frame of <see cref="ImageSize"/>.</summary>
    public Tensor Boxes { get; }

    /// <summary>(D) float32 scores, descending.</summary>
    public Tensor Scores { get; }

    /// <summary>(D) int64 class indices 0..K−1.</summary>
    public Tensor Classes { get; }

    /// <summary>(height, width) of the frame the boxes are in.</summary>
    public (int Height, int Width) ImageSize { get; }

    /// <summary>Number of detections D.</summary>
    public long Count => Boxes.shape[0];

    /// <summary>Detaches the tensors from every dispose scope (this object then owns them).</summary>
    public Detections DetachFromDisposeScope()
    {
        Boxes.DetachFromDisposeScope();
        Scores.DetachFromDisposeScope();
        Classes.DetachFromDisposeScope();
        return this;
    }

    /// <summary>Moves the tensors to the enclosing dispose scope.</summary>
    public Detections MoveToOuterDisposeScope()
    {
        Boxes.MoveToOuterDisposeScope();
        Scores.MoveToOuterDisposeScope();
        Classes.MoveToOuterDisposeScope();
        return this;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Boxes.Dispose();
        Scores.Dispose();
        Classes.Dispose();
    }
}
