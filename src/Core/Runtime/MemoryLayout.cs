using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Runtime;

/// <summary>
/// Channels-last ("NHWC") storage for 4-D tensors. TorchSharp 0.107 has no <c>memory_format</c> argument, but
/// libtorch recognises the layout from the strides alone: a tensor of shape (N, C, H, W) whose elements are
/// stored in (N, H, W, C) order (strides (H·W·C, 1, W·C, C)) is channels-last, and convolutions, pooling,
/// GroupNorm, interpolation and elementwise ops keep that layout for their outputs (and gradients). On this
/// CPU backend (oneDNN) channels-last convolutions skip the per-call reorders of NCHW tensors and are
/// markedly faster. Shapes, indexing and values are unchanged; only the storage order differs, so code that
/// reads raw storage must call <c>contiguous()</c> first (as <see cref="HostCopy"/> does).
/// </summary>
public static class MemoryLayout
{
    /// <summary>
    /// (N, C, H, W) → the same values, shape (N, C, H, W), stored channels-last: a copy (autograd flows
    /// through it), or — when <paramref name="x"/> is already channels-last, or not 4-D — a new handle on the
    /// same tensor (<c>alias()</c>: it shares <paramref name="x"/>'s data, requires_grad flag and gradient).
    /// </summary>
    public static Tensor ToChannelsLast(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.dim() != 4 || IsChannelsLast(x)) return x.alias();
        using var scope = NewDisposeScope();
        return x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// True when the 4-D tensor <paramref name="x"/> (N, C, H, W) is stored densely in (N, H, W, C) order, i.e.
    /// its strides are (H·W·C, 1, W·C, C) (size-1 dimensions may have any stride).
    /// </summary>
    public static bool IsChannelsLast(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.dim() != 4) return false;
        var shape = x.shape;
        var strides = x.stride();
        // Dimensions in storage order, innermost first: C, W, H, N.
        long expected = 1;
        foreach (var d in new[] { 1, 3, 2, 0 })
        {
            if (shape[d] != 1 && strides[d] != expected) return false;
            expected *= shape[d];
        }
        return true;
    }
}
