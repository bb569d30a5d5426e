using Research.Core.Data;
using Research.Core.Detectors;
using Research.Core.Inference;
using static TorchSharp.torch;

namespace Research.Core.SingleObjectTracking;

/// <summary>
/// A trained detector as the tracker's detector (<see cref="Detect"/>): the crop, zero-padded bottom/right to a
/// multiple of 32 as in training, goes through the network without gradients and its post-processing (NMS-free
/// in DeFCN); the tracker then takes the best box. Crops arrive normalised (<see cref="FrameNormalization"/>).
/// </summary>
public sealed class CropDetector
{
    private readonly DenseDetector _model;
    private readonly InferenceSettings _settings;
    private readonly int _class;

    /// <summary>
    /// model: the detector (its first class, index 0, is "target" as <see cref="TrackingCropBatchSource"/>
    /// labels it); settings: post-processing (default: the model's own, NMS-free in DeFCN).
    /// </summary>
    public CropDetector(DenseDetector model, InferenceSettings? settings = null, int targetClass = 0)
    {
        if (targetClass < 0 || targetClass >= model.NumClasses)
            throw new ArgumentOutOfRangeException(nameof(targetClass), targetClass, $"target class must be in [0, {model.NumClasses})");
        _model = model;
        _settings = settings ?? model.InferenceSettings;
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
        int height = (int)crop.shape[1], width = (int)crop.shape[2];
        // As Predict everywhere: boxes clipped to the crop and empty ones dropped (the training labels are clipped to it too).
        using var batch = new ImageBatch(crop.unsqueeze(0), new[] { (height, width) }, new[] { (height, width) }, new long[] { 0 });
        using var detections = _model.Predict(batch, new[] { _settings })[0][0];
        var keep = detections.Classes.eq(_class);
        var boxes = detections.Boxes[keep].cpu();   // (D, 4)
        var scores = detections.Scores[keep].cpu(); // (D)
        return (boxes.MoveToOuterDisposeScope(), scores.MoveToOuterDisposeScope());
    }
}
