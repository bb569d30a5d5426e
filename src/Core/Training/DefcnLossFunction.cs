using Research.Core.Data;
using Research.Core.Losses;
using Research.Core.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Training;

/// <summary>
/// DeFCN's training forward as the trainer consumes it (official fcos.py FCOS.forward, training branch):
/// network → per-level outputs and shifts → POTO + auxiliary assignment → the loss dictionary
/// (<c>loss_cls</c>, <c>loss_box_reg</c>, <c>loss_cls_aux</c>) plus the assignment diagnostics as
/// scalar tensors (keys not starting with <c>loss</c>, which the trainer logs but does not sum).
/// </summary>
public static class DefcnLossFunction
{
    /// <summary>
    /// Losses of one batch: images (N, 3, H, W) and targets moved to <paramref name="device"/>. Tensors are
    /// created in the caller's dispose scope (the trainer's per-step scope).
    /// </summary>
    public static IReadOnlyDictionary<string, Tensor> Compute(Defcn model, DefcnCriterion criterion, ImageBatch batch, Device device)
    {
        if (batch.Targets == null) throw new ArgumentException("a training batch needs targets", nameof(batch));
        var images = batch.Images.to(device);
        var outputs = model.forward(images);
        var shifts = model.Shifts(outputs);
        var targets = batch.Targets.Select(t => t.Boxes.device == device ? t : t.To(device)).ToArray();
        var result = criterion.Compute(outputs.Logits, outputs.BoxRegression, outputs.Filter, shifts, targets);
        var terms = new Dictionary<string, Tensor>();
        foreach (var (k, v) in result.Losses) terms[k] = v;
        foreach (var (k, v) in result.Diagnostics) terms[k] = tensor(v);
        return terms;
    }

    /// <summary>The loss function for <see cref="Trainer"/>.</summary>
    public static Func<ImageBatch, IReadOnlyDictionary<string, Tensor>> For(Defcn model, DefcnCriterion criterion, Device device) =>
        batch => Compute(model, criterion, batch, device);
}
