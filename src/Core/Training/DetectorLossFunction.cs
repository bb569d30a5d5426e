using Research.Core.Data;
using Research.Core.Detectors;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Training;

/// <summary>
/// A detector's training forward as the trainer consumes it (detectron2's training branch): the detector's
/// named losses (DeFCN: <c>loss_cls</c>, <c>loss_box_reg</c>, <c>loss_cls_aux</c>) plus its diagnostics as scalar
/// tensors (keys not starting with <c>loss</c>, which the trainer logs but does not sum).
/// </summary>
public static class DetectorLossFunction
{
    /// <summary>
    /// Losses of one batch (images (N, 3, H, W), targets per image); the batch is moved to the detector's device.
    /// Tensors are created in the caller's dispose scope (the trainer's per-step scope).
    /// </summary>
    public static IReadOnlyDictionary<string, Tensor> Compute(DenseDetector detector, ImageBatch batch)
    {
        var result = detector.Losses(batch);
        var terms = new Dictionary<string, Tensor>();
        foreach (var (k, v) in result.Losses) terms[k] = v;
        foreach (var (k, v) in result.Diagnostics) terms[k] = tensor(v);
        return terms;
    }

    /// <summary>The loss function for <see cref="Trainer"/>.</summary>
    public static Func<ImageBatch, IReadOnlyDictionary<string, Tensor>> For(DenseDetector detector) =>
        batch => Compute(detector, batch);
}
