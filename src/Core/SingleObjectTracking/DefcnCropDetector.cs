using Research.Core.Inference;
using Research.Core.Modeling;
using static TorchSharp.torch;

namespace Research.Core.SingleObjectTracking;

/// <summary>
/// A trained DeFCN as the tracker's detector (<see cref="DetectInCrop"/>): the crop, zero-padded bottom/right
/// to a multiple of 32 as in training, goes through the network without gradients and DeFCN's NMS-free
/// post-processing; the tracker then takes the best box. The model must be in eval mode while it runs
/// (<see cref="TrackingEvaluator"/> switches it and restores the flag).
/// </summary>
public sealed class DefcnCropDetector
{
    private readonly Defcn _model;
    private readonly DetectionPostProcessor _postProcessor;
    private readonly int _class;

    /// <summary>
    /// model: the detector (its first class, index 0, is "target" as <see cref="TrackingCropBatchSource"/>
    /// labels it); settings: post-processing (default: the model's own, NMS-free in DeFCN).
    /// </summary>
    public DefcnCropDetector(Defcn model, InferenceSettings? settings = null, int targetClass = 0)
    {
        if (targetClass < 0 || targetClass >= model.NumClasses)
            throw new ArgumentOutOfRangeException(nameof(targetClass), targetClass, $"target class must be in [0, {model.NumClasses})");
        _model = model;
        _postProcessor = settings is null ? model.PostProcessor : new DetectionPostProcessor(settings, model.PostProcessor.BoxTransform);
        _class = targetClass;
    }

    /// <summary>
    /// crop (3, S, S) float32 in the detector's input space → boxes (D, 4) XYXY crop pixels and scores (D) of
    /// the target class, best first, clipped to the crop (D ≤ detections_per_image; empty when nothing passes the
    /// score threshold).
    /// </summary>
    public (Tensor Boxes, Tensor Scores) Detect(Tensor crop)
    {
        if (crop.dim() != 3 || crop.shape[0] != 3) throw new ArgumentException($"crop must be (3, S, S), got ({string.Join(", ", crop.shape)})");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        int height = (int)crop.shape[1], width = (int)crop.shape[2];
        var paddedH = (height + 31) / 32 * 32;
        var paddedW = (width + 31) / 32 * 32;
        var device = _model.parameters().First().device;
        var images = nn.functional.pad(crop.to(device), new long[] { 0, paddedW - width, 0, paddedH - height }).unsqueeze(0); // (1, 3, H', W')
        using var outputs = _model.forward(images);
        var shifts = _model.Shifts(outputs);
        // As Predict: boxes clipped to the crop and empty ones dropped (the training labels are clipped to it too).
        using var detections = _postProcessor.Process(outputs, shifts, new[] { (height, width) }, new[] { (height, width) })[0];
        var keep = detections.Classes.eq(_class);
        var boxes = detections.Boxes[keep].cpu();   // (D, 4)
        var scores = detections.Scores[keep].cpu(); // (D)
        return (boxes.MoveToOuterDisposeScope(), scores.MoveToOuterDisposeScope());
    }
}
