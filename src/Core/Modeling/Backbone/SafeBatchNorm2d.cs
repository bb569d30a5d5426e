using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Research.Core.Modeling.Backbone;

/// <summary>
/// Trainable BatchNorm2d, numerically and by state-dict keys (weight, bias, running_mean, running_var,
/// num_batches_tracked) the same as TorchSharp's, without its use-after-free. TorchSharp 0.107's BatchNorm
/// counts batches with <c>num_batches_tracked.add_(1)</c>, whose implicit <see cref="Scalar"/> temporaries are
/// unreachable while the native call runs: a garbage collection started by another thread at that moment
/// finalises (frees) them under libtorch, which then reads freed memory ("For integral input tensors, argument
/// alpha must not be a floating point number" after ~400–1300 training iterations here, at random). This
/// module counts with scalars held in static fields, which are never finalised.
/// </summary>
public sealed class SafeBatchNorm2d : BatchNorm
{
    private static readonly Scalar One = 1L.ToScalar(); // increment and alpha of num_batches_tracked.add_, alive for the process

    /// <summary>BatchNorm over <paramref name="channels"/> channels (eps 1e-5, momentum 0.1, affine, running statistics), as nn.BatchNorm2d.</summary>
    public SafeBatchNorm2d(long channels, double eps = 1e-5, double momentum = 0.1)
        : base(channels, eps, momentum, affine: true, track_running_stats: true, device: null, dtype: null, name: "BatchNorm2d")
    {
    }

    /// <summary>(N, C, H, W) → (N, C, H, W): batch statistics in training (updating the running ones), running ones in eval.</summary>
    public override Tensor forward(Tensor input)
    {
        ValidateInputDimensions(input);
        var factor = momentum ?? 0.0;
        if (training && track_running_stats && num_batches_tracked is { } count)
        {
            using (no_grad()) count.add_(One, One);
            if (momentum is null) factor = 1.0 / count.item<long>();
        }
        var useBatchStats = training || (running_mean is null && running_var is null);
        var useRunning = !training || track_running_stats;
        return F.batch_norm(input, useRunning ? running_mean : null, useRunning ? running_var : null, weight, bias, useBatchStats, factor, eps);
    }

    /// <inheritdoc />
    protected override void ValidateInputDimensions(Tensor input)
    {
        if (input.dim() != 4) throw new ArgumentException($"BatchNorm2d expects (N, C, H, W), got ({string.Join(", ", input.shape)})");
    }
}
