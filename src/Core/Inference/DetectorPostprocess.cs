using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Inference;

/// <summary>
/// Maps detections from the resized model-input frame to the original image (cvpods
/// <c>modeling/postprocessing.py</c> detector_postprocess): x scaled by out_w/in_w, y by out_h/in_h, boxes
/// clipped to [0, out_w] × [0, out_h], boxes with width or height ≤ 0 dropped.
/// </summary>
public static class DetectorPostprocess
{
    /// <summary>
    /// Returns new detections (D' ≤ D) in the frame of <paramref name="outputSize"/>; the input is not changed.
    /// <paramref name="detections"/>.ImageSize is the resized input size (before padding).
    /// </summary>
    public static Detections ToOriginalSize(Detections detections, (int Height, int Width) outputSize)
    {
        var (inH, inW) = detections.ImageSize;
        if (inH <= 0 || inW <= 0) throw new ArgumentException($"detections have an empty input frame ({inH}×{inW})");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        double scaleX = (double)outputSize.Width / inW, scaleY = (double)outputSize.Height / inH;
        var boxes = detections.Boxes.clone();                                 // (D, 4)
        // Scalar multiplies and in-place clamps as the reference (Boxes.scale / Boxes.clip).
        boxes[TensorIndex.Colon, TensorIndex.Slice(0, null, 2)].mul_(scaleX);
        boxes[TensorIndex.Colon, TensorIndex.Slice(1, null, 2)].mul_(scaleY);
        if (!isfinite(boxes).all().item<bool>()) throw new ArgumentException("detection boxes contain NaN or Inf");
        boxes[TensorIndex.Colon, 0].clamp_(0, outputSize.Width);
        boxes[TensorIndex.Colon, 1].clamp_(0, outputSize.Height);
        boxes[TensorIndex.Colon, 2].clamp_(0, outputSize.Width);
        boxes[TensorIndex.Colon, 3].clamp_(0, outputSize.Height);
        var widths = boxes[TensorIndex.Colon, 2] - boxes[TensorIndex.Colon, 0];
        var heights = boxes[TensorIndex.Colon, 3] - boxes[TensorIndex.Colon, 1];
        var keep = (widths > 0).logical_and(heights > 0);                       // (D) bool
        var result = new Detections(boxes[keep], detections.Scores[keep], detections.Classes[keep], outputSize);
        return result.MoveToOuterDisposeScope();
    }
}
