using Research.Core.Assignment;
using Research.Core.Data;
using Research.Core.Dense;
using Research.Core.Losses;
using static TorchSharp.torch;

namespace Research.Core.Tests.Losses;

/// <summary>DeFCN criteria from flat settings and per-level inputs, as the tests build them.</summary>
internal static class CriterionHelpers
{
    /// <summary>POTO (+ the auxiliary rule when <paramref name="auxEnabled"/>) with the given constants.</summary>
    public static DefcnCriterion DefcnCriterion(int k, IReadOnlyList<int> strides, double alpha = 0.8, double radius = 1.5, int topK = 9,
        bool auxEnabled = true) =>
        new(new PotoAssigner(strides, k, alpha, radius), auxEnabled ? new AuxAssigner(k, alpha, topK) : null);

    /// <summary>
    /// Losses of per-level head outputs (logits (N, K, H_l, W_l), regression (N, 4, H_l, W_l), filter (N, 1, H_l, W_l)
    /// or null) at per-level shifts (H_l·W_l, 2); the inputs stay owned by the caller.
    /// </summary>
    public static DetectorLosses Compute(this DefcnCriterion criterion, IReadOnlyList<Tensor> logits, IReadOnlyList<Tensor> bboxReg,
        IReadOnlyList<Tensor>? filter, IReadOnlyList<Tensor> shifts, IReadOnlyList<DetectionTarget> targets)
    {
        var outputs = new HeadOutputs(logits.ToArray(), bboxReg.ToArray(), filter?.ToArray());   // not disposed: views of the caller's tensors
        using var predictions = DensePredictions.From(outputs, shifts);
        return criterion.Compute(predictions, targets);
    }
}
