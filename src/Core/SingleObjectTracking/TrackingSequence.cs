using Research.Core.Data;
using Research.Core.Data.Crops;

namespace Research.Core.SingleObjectTracking;

/// <summary>
/// A single-object tracking sequence on disk: frame files in order, the ground-truth box of every frame
/// (XYXY, continuous pixels) and the frame size (of the first frame; <see cref="LoadFrame"/> checks the rest).
/// </summary>
public sealed record TrackingSequence(string Name, string Directory, IReadOnlyList<string> FramePaths,
    IReadOnlyList<BoxXyxy> GroundTruth, int Width, int Height)
{
    /// <summary>Number of frames.</summary>
    public int Count => FramePaths.Count;

    /// <summary>Frame i (0-based) as (3, H, W) float32 RGB 0..255; a frame of another size is an error naming the file.</summary>
    public TorchSharp.torch.Tensor LoadFrame(int index)
    {
        var frame = FrameImage.Load(FramePaths[index]);
        if (frame.shape[1] != Height || frame.shape[2] != Width)
        {
            var (h, w) = (frame.shape[1], frame.shape[2]);
            frame.Dispose();
            throw new InvalidDataException($"{FramePaths[index]}: frame is {w}×{h}, the sequence's first frame is {Width}×{Height}");
        }
        return frame;
    }
}
