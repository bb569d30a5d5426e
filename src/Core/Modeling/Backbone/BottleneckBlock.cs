using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Modeling.Backbone;

/// <summary>
/// The 1×1 → 3×3 → 1×1 residual block of ResNet-50/101 (cvpods modeling/backbone/resnet.py l.129-234, BottleneckBlock). With
/// <c>strideInOneByOne</c> (the MSRA/Caffe2 layout, cvpods' detection default) the stride sits in the
/// first 1×1 conv, otherwise in the 3×3 conv (torchvision layout). The 3×3 conv is grouped for ResNeXt.
/// </summary>
public sealed class BottleneckBlock : ResNetBlock
{
    private readonly Conv2dWithNorm? shortcut;
    private readonly Conv2dWithNorm conv1;
    private readonly Conv2dWithNorm conv2;
    private readonly Conv2dWithNorm conv3;

    /// <summary>Creates the block; convs get the reference's MSRA fill (the last norm is not zeroed, as in cvpods).</summary>
    public BottleneckBlock(long inChannels, long outChannels, long bottleneckChannels, long stride = 1,
        long numGroups = 1, string norm = Norm.BN, bool strideInOneByOne = false, long dilation = 1, bool frozenNorm = false)
        : base(nameof(BottleneckBlock), inChannels, outChannels, stride)
    {
        if (inChannels != outChannels)
            shortcut = new Conv2dWithNorm(inChannels, outChannels, 1, stride: stride, bias: false,
                norm: Norm.Create(norm, outChannels, frozenNorm));
        var (stride1x1, stride3x3) = strideInOneByOne ? (stride, 1L) : (1L, stride);
        conv1 = new Conv2dWithNorm(inChannels, bottleneckChannels, 1, stride: stride1x1, bias: false,
            norm: Norm.Create(norm, bottleneckChannels, frozenNorm));
        conv2 = new Conv2dWithNorm(bottleneckChannels, bottleneckChannels, 3, stride: stride3x3, padding: dilation,
            dilation: dilation, groups: numGroups, bias: false, norm: Norm.Create(norm, bottleneckChannels, frozenNorm));
        conv3 = new Conv2dWithNorm(bottleneckChannels, outChannels, 1, bias: false,
            norm: Norm.Create(norm, outChannels, frozenNorm));
        foreach (var layer in new[] { conv1, conv2, conv3, shortcut })
            if (layer is not null) WeightInit.C2MsraFill(layer);
        RegisterComponents();
    }

    /// <summary>(N, C_in, H, W) → (N, C_out, ⌈H / stride⌉, ⌈W / stride⌉).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = conv1.call(x).relu_();
        y = conv2.call(y).relu_();
        y = conv3.call(y);
        var residual = shortcut is null ? x : shortcut.call(x);
        // In place, as the reference (out += shortcut; inplace ReLU).
        y.add_(residual).relu_();
        return y.MoveToOuterDisposeScope();
    }
}
