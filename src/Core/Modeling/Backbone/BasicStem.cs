using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Modeling.Backbone;

/// <summary>
/// The ResNet stem (cvpods modeling/backbone/resnet.py l.488-525, BasicStem): 7×7 stride-2 conv with norm, ReLU, 3×3 stride-2 max pool
/// (padding 1) — stride 4 overall.
/// </summary>
public sealed class BasicStem : nn.Module<Tensor, Tensor>
{
    private static readonly long[] PoolKernel = { 3, 3 };
    private static readonly long[] PoolStride = { 2, 2 };
    private static readonly long[] PoolPadding = { 1, 1 };
    private readonly Conv2dWithNorm conv1;

    /// <summary>Creates the stem; the conv gets the MSRA fill.</summary>
    public BasicStem(long inChannels = 3, long outChannels = 64, string norm = Norm.BN, bool frozenNorm = false)
        : base(nameof(BasicStem))
    {
        conv1 = new Conv2dWithNorm(inChannels, outChannels, 7, stride: 2, padding: 3, bias: false,
            norm: Norm.Create(norm, outChannels, frozenNorm));
        WeightInit.C2MsraFill(conv1);
        RegisterComponents();
    }

    /// <summary>Output channels.</summary>
    public long OutChannels => conv1.OutChannels;

    /// <summary>Stride of the stem output (conv 2 × pool 2).</summary>
    public int Stride => 4;

    /// <summary>(N, C_in, H, W) → (N, C_stem, ⌈⌈H/2⌉/2⌉, ⌈⌈W/2⌉/2⌉).</summary>
    public override Tensor forward(Tensor x)
    {
        using var y = conv1.call(x).relu_();
        return nn.functional.max_pool2d(y, PoolKernel, PoolStride, PoolPadding);
    }
}
