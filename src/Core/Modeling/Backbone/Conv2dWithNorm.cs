using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Research.Core.Modeling.Backbone;

/// <summary>
/// A 2-D convolution followed by an optional norm layer: the port of cvpods' Conv2d wrapper
/// (layers/wrappers.py l.59-117), keyed as it is — <c>weight</c>, <c>bias</c> (if any) and <c>norm.*</c> — so
/// reference checkpoints map 1:1 (e.g. <c>stem.conv1.weight</c>, <c>stem.conv1.norm.running_mean</c>).
/// </summary>
public sealed class Conv2dWithNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter? bias;
    private readonly nn.Module<Tensor, Tensor>? norm;
    private readonly long[] _stride;
    private readonly long[] _padding;
    private readonly long[] _dilation;
    private readonly long _groups;

    /// <summary>
    /// Creates the conv with a square kernel. Weights start as PyTorch's nn.Conv2d defaults; the backbone
    /// then applies the reference's fills (<see cref="WeightInit"/>).
    /// </summary>
    public Conv2dWithNorm(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0,
        long dilation = 1, long groups = 1, bool bias = true, nn.Module<Tensor, Tensor>? norm = null)
        : base(nameof(Conv2dWithNorm))
    {
        if (inChannels <= 0 || outChannels <= 0) throw new ArgumentException($"channel counts must be positive (in {inChannels}, out {outChannels})");
        if (groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"groups {groups} must divide in {inChannels} and out {outChannels} channels", nameof(groups));
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        _stride = new[] { stride, stride };
        _padding = new[] { padding, padding };
        _dilation = new[] { dilation, dilation };
        _groups = groups;
        weight = new Parameter(empty(outChannels, inChannels / groups, kernelSize, kernelSize));
        this.bias = bias ? new Parameter(empty(outChannels)) : null;
        this.norm = norm;
        ResetParameters();
        RegisterComponents();
    }

    /// <summary>Input channels.</summary>
    public long InChannels { get; }

    /// <summary>Output channels.</summary>
    public long OutChannels { get; }

    /// <summary>Kernel height = width.</summary>
    public long KernelSize { get; }

    /// <summary>Stride in both directions.</summary>
    public long Stride { get; }

    /// <summary>Kernel (C_out, C_in / groups, k, k).</summary>
    public Parameter Weight => weight;

    /// <summary>Bias (C_out), or null when the conv has none (convs followed by BN).</summary>
    public Parameter? Bias => bias;

    /// <summary>The norm layer applied after the conv, or null.</summary>
    public nn.Module<Tensor, Tensor>? Norm => norm;

    /// <summary>
    /// Whether a <see cref="FrozenBatchNorm2d"/> norm is folded into the convolution at forward time (on by
    /// default): conv(x, W · s) + (b · s + t) with the norm's per-channel scale s and shift t (see
    /// <see cref="FrozenBatchNorm2d.Affine"/>), which equals norm(conv(x, W) + b) up to float rounding while
    /// saving the two elementwise passes over the output (and one in backward). W stays the trainable
    /// parameter and gets the gradient of the unfused form; parameters, buffers and state-dict keys are
    /// unchanged. When folded, the norm module's own forward (and any hook on it) does not run.
    /// Other norms (BatchNorm in train mode, GroupNorm) are never folded.
    /// </summary>
    public bool FoldFrozenNorm { get; set; } = true;

    /// <summary>(N, C_in, H, W) → (N, C_out, H', W'): conv, then the norm if any. Keeps the input's memory layout.</summary>
    public override Tensor forward(Tensor x)
    {
        if (FoldFrozenNorm && norm is FrozenBatchNorm2d frozen)
        {
            using var scope = NewDisposeScope();
            var (scale, shift) = frozen.Affine();                                // (C_out), no grad
            var foldedWeight = weight * scale.reshape(-1, 1, 1, 1);              // (C_out, C_in / groups, k, k)
            var foldedBias = bias is null ? shift : bias * scale + shift;        // (C_out)
            return nn.functional.conv2d(x, foldedWeight, foldedBias, _stride, _padding, _dilation, _groups)
                .MoveToOuterDisposeScope();
        }
        var y = nn.functional.conv2d(x, weight, bias, _stride, _padding, _dilation, _groups);
        if (norm is null) return y;
        using (y) return norm.call(y);
    }

    // PyTorch's nn.Conv2d.reset_parameters: kaiming_uniform(a = √5), bias U(±1/√fan_in).
    private void ResetParameters()
    {
        using var guard = no_grad();
        nn.init.kaiming_uniform_(weight, a: Math.Sqrt(5));
        if (bias is null) return;
        var fanIn = weight.shape[1] * weight.shape[2] * weight.shape[3];
        var bound = 1 / Math.Sqrt(fanIn);
        nn.init.uniform_(bias, -bound, bound);
    }
}
