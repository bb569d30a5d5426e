using Research.Core.Assignment;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Losses;

/// <summary>
/// The training objective of one batch (detectron2's loss dictionary): named scalar losses (DeFCN:
/// <c>loss_cls</c>, <c>loss_box_reg</c>, <c>loss_cls_aux</c> when the auxiliary loss is on), whose plain sum is
/// the total, and diagnostics for logging (<c>num_fg_per_gt</c>, <c>num_fg_per_gt_aux</c>, <c>mean_matched_iou</c>).
/// </summary>
public sealed class DetectorLosses : IDisposable
{
    /// <summary>Wraps the terms (this object owns the loss tensors).</summary>
    public DetectorLosses(IReadOnlyDictionary<string, Tensor> losses, IReadOnlyDictionary<string, double> diagnostics,
        IReadOnlyList<AssignmentResult>? matches = null)
    {
        Losses = losses;
        Diagnostics = diagnostics;
        Matches = matches;
    }

    /// <summary>One-to-one rules: per image the pairs (GT index, shift index r in 0..R−1), sorted by GT; null otherwise.</summary>
    public IReadOnlyList<AssignmentResult>? Matches { get; }

    /// <summary>Scalar loss tensors by name; they carry gradients to the head outputs.</summary>
    public IReadOnlyDictionary<string, Tensor> Losses { get; }

    /// <summary>Diagnostics by name (plain numbers, no gradient).</summary>
    public IReadOnlyDictionary<string, double> Diagnostics { get; }

    /// <summary>The total loss: the plain sum of <see cref="Losses"/> (what the trainer backpropagates).</summary>
    public Tensor Total()
    {
        if (Losses.Count == 0) throw new InvalidOperationException("no loss terms");
        using var scope = NewDisposeScope();
        Tensor? total = null;
        foreach (var kv in Losses.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            total = total is null ? kv.Value.alias() : total + kv.Value;
        return total!.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in Losses.Values) t.Dispose();
    }
}
