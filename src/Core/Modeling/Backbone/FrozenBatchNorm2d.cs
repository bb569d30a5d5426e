using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Research.Core.Modeling.Backbone;

/// <summary>
/// BatchNorm2d with fixed statistics and affine terms (cvpods layers/batch_norm.py l.19-68, FrozenBatchNorm2d):
/// y = x · s + (bias − running_mean · s) with s = weight / √(running_var + eps), per channel.
/// All four tensors are buffers (never trained), so pretrained detectors keep their ImageNet statistics.
/// </summary>
public sealed class FrozenBatchNorm2d : nn.Module<Tensor, Tensor>
{
    // Buffer names are the state-dict keys of the reference (weight, bias, running_mean, running_var).
    private readonly Tensor weight;
    private readonly Tensor bias;
    private readonly Tensor running_mean;
    private readonly Tensor running_var;

    /// <summary>
    /// Identity transform initially: weight 1, bias 0, running_mean 0 and running_var 1 − eps, exactly as the
    /// reference initialises it (so that √(running_var + eps) = 1).
    /// </summary>
    public FrozenBatchNorm2d(long numFeatures, double eps = 1e-5) : base(nameof(FrozenBatchNorm2d))
    {
        if (numFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(numFeatures), numFeatures, "channel count must be positive");
        NumFeatures = numFeatures;
        Eps = eps;
        weight = ones(numFeatures);
        bias = zeros(numFeatures);
        running_mean = zeros(numFeatures);
        running_var = ones(numFeatures) - eps;
        RegisterComponents();
    }

    /// <summary>Number of channels C.</summary>
    public long NumFeatures { get; }

    /// <summary>Added to running_var before the square root (1e-5 as in the reference).</summary>
    public double Eps { get; }

    /// <summary>Per-channel scale γ, (C).</summary>
    public Tensor Weight => weight;

    /// <summary>Per-channel shift β, (C).</summary>
    public Tensor Bias => bias;

    /// <summary>Per-channel mean μ, (C).</summary>
    public Tensor RunningMean => running_mean;

    /// <summary>Per-channel variance σ², (C).</summary>
    public Tensor RunningVar => running_var;

    /// <summary>
    /// The frozen copy of a BatchNorm2d, as cvpods' convert_frozen_batchnorm (batch_norm.py l.113-143) makes it when a stage is frozen:
    /// affine terms, running statistics and eps are copied (so a fresh BN gives running_var 1, not 1 − eps).
    /// </summary>
    public static FrozenBatchNorm2d FromBatchNorm(BatchNorm bn)
    {
        ArgumentNullException.ThrowIfNull(bn);
        var channels = bn.running_mean?.shape[0] ?? bn.weight?.shape[0]
            ?? throw new ArgumentException("BatchNorm2d without running statistics or affine weight cannot be frozen", nameof(bn));
        var frozen = new FrozenBatchNorm2d(channels, bn.eps);
        using (no_grad())
        {
            if (bn.weight is not null) frozen.weight.copy_(bn.weight);
            if (bn.bias is not null) frozen.bias.copy_(bn.bias);
            if (bn.running_mean is not null) frozen.running_mean.copy_(bn.running_mean);
            if (bn.running_var is not null) frozen.running_var.copy_(bn.running_var);
        }
        return frozen;
    }

    /// <summary>
    /// The per-channel affine map this layer applies, y = x · scale + shift: scale = weight / √(running_var + eps)
    /// and shift = bias − running_mean · scale, both (C), computed in the reference's operation order. They
    /// depend on buffers only, so they carry no gradient. <see cref="Conv2dWithNorm"/> folds them into the
    /// preceding convolution.
    /// </summary>
    public (Tensor Scale, Tensor Shift) Affine()
    {
        using var scope = NewDisposeScope();
        var scale = weight * (running_var + Eps).rsqrt();   // (C)
        var shift = bias - running_mean * scale;            // (C)
        return (scale.MoveToOuterDisposeScope(), shift.MoveToOuterDisposeScope());
    }

    /// <summary>(N, C, H, W) → (N, C, H, W), the affine form of eval-mode batch norm; keeps the input's memory layout.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        // Same operation order as the reference forward (scale first, then the folded bias).
        var (scale, shift) = Affine();
        var y = x * scale.reshape(1, -1, 1, 1) + shift.reshape(1, -1, 1, 1);
        return y.MoveToOuterDisposeScope();
    }
}
