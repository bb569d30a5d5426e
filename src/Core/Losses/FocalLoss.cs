using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Losses;

/// <summary>
/// Sigmoid focal loss (Lin et al. 2017) in the two forms DeFCN uses: on probabilities (main branch,
/// whose score is sigmoid(cls)·sigmoid(filter); DeFCN fcos.py l.23-48) and on logits (auxiliary branch
/// and filter-free configs; cvpods modeling/losses/focal_loss.py l.8-55). Both are summed over all
/// elements; the caller normalises.
/// </summary>
public static class FocalLoss
{
    /// <summary>
    /// Σ α_t·(1 − p_t)^γ·BCE(p, t) over probabilities p and binary targets t of the same shape (any shape,
    /// e.g. (N·R, K)). BCE is PyTorch's binary_cross_entropy (each log clamped at −100), so p may reach 0
    /// or 1. α &lt; 0 disables the α weighting. Returns a scalar in p's dtype.
    /// </summary>
    public static Tensor OnProbabilities(Tensor probs, Tensor targets, double alpha = 0.25, double gamma = 2.0)
    {
        using var scope = NewDisposeScope();
        return OnProbabilitiesPerElement(probs, targets, alpha, gamma).sum().MoveToOuterDisposeScope();
    }

    /// <summary>As <see cref="OnProbabilities"/> without the sum: the loss of every element, same shape as the inputs.</summary>
    public static Tensor OnProbabilitiesPerElement(Tensor probs, Tensor targets, double alpha = 0.25, double gamma = 2.0)
    {
        using var scope = NewDisposeScope();
        var ce = nn.functional.binary_cross_entropy(probs, targets, reduction: nn.Reduction.None);
        return Modulate(ce, probs, targets, alpha, gamma).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Σ α_t·(1 − p_t)^γ·BCE-with-logits(x, t), p = sigmoid(x), over logits x and binary targets t of the
    /// same shape (e.g. (N·R, K)). α &lt; 0 disables the α weighting. Returns a scalar in x's dtype.
    /// </summary>
    public static Tensor OnLogits(Tensor logits, Tensor targets, double alpha = 0.25, double gamma = 2.0)
    {
        using var scope = NewDisposeScope();
        return OnLogitsPerElement(logits, targets, alpha, gamma).sum().MoveToOuterDisposeScope();
    }

    /// <summary>As <see cref="OnLogits"/> without the sum: the loss of every element, same shape as the inputs.</summary>
    public static Tensor OnLogitsPerElement(Tensor logits, Tensor targets, double alpha = 0.25, double gamma = 2.0)
    {
        using var scope = NewDisposeScope();
        var p = logits.sigmoid();
        var ce = nn.functional.binary_cross_entropy_with_logits(logits, targets, reduction: nn.Reduction.None);
        return Modulate(ce, p, targets, alpha, gamma).MoveToOuterDisposeScope();
    }

    // Same operations in the same order as the reference: p_t, ce·(1 − p_t)^γ, then α_t·loss.
    private static Tensor Modulate(Tensor ce, Tensor p, Tensor t, double alpha, double gamma)
    {
        var pT = p * t + (1 - p) * (1 - t);
        var loss = ce * (1 - pT).pow(gamma);
        if (alpha >= 0)
        {
            var alphaT = alpha * t + (1 - alpha) * (1 - t);
            loss = alphaT * loss;
        }
        return loss;
    }
}
