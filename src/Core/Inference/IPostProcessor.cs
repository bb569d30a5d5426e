using Research.Core.Dense;
using static TorchSharp.torch;

namespace Research.Core.Inference;

/// <summary>A detector's test-time decoding: head outputs of a batch → detections per image.</summary>
public interface IPostProcessor
{
    /// <summary>
    /// Head outputs of N images (levels (N, K, H_l, W_l) / (N, 4, ...) / (N, 1, ...)) and per-level shifts
    /// (H_l·W_l, 2) → per image detections in the frame of <paramref name="originalSizes"/> (boxes (D, 4) XYXY,
    /// scores (D), classes (D) int64). <paramref name="imageSizes"/>: the resized size before padding.
    /// </summary>
    IReadOnlyList<Detections> Process(HeadOutputs outputs, IReadOnlyList<Tensor> shifts,
        IReadOnlyList<(int Height, int Width)> imageSizes, IReadOnlyList<(int Height, int Width)> originalSizes);
}
