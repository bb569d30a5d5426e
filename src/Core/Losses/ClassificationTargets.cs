using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Losses;

/// <summary>The per-shift class targets as the criteria read them (cvpods losses(): one-hot rows, ignored shifts left out).</summary>
internal static class ClassificationTargets
{
    /// <summary>(P) labels in −1..K → (P, K) one-hot targets (zeros for background K and ignore −1).</summary>
    public static Tensor OneHot(Tensor labels, int k, ScalarType dtype)
    {
        var l = labels.where(labels.ge(0), k);                                        // ignore → background row
        return nn.functional.one_hot(l, k + 1)[TensorIndex.Colon, ..k].to(dtype);
    }

    /// <summary>
    /// Σ focal loss on logits (P, K) of the shifts whose label (P) is not −1 (ignored), against their one-hot targets;
    /// a scalar, not normalised.
    /// </summary>
    public static Tensor FocalOnLogits(Tensor logits, Tensor labels, double alpha, double gamma)
    {
        using var scope = NewDisposeScope();
        int k = (int)logits.shape[1];
        var target = OneHot(labels, k, logits.dtype);
        var valid = labels.ge(0);
        var loss = valid.all().item<bool>()
            ? FocalLoss.OnLogits(logits, target, alpha, gamma)
            : FocalLoss.OnLogits(logits[valid], target[valid], alpha, gamma);
        return loss.MoveToOuterDisposeScope();
    }
}
