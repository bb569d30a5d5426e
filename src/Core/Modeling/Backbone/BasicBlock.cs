using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Modeling.Backbone;

/// <summary>
/// The two-conv residual block of ResNet-18/34 (cvpods modeling/backbone/resnet.py l.61-126, BasicBlock):
/// relu(conv2(relu(conv1(x))) + shortcut(x)), 3×3 convs with norm, the stride in conv1 and a 1×1
/// projection shortcut when the channel count changes.
/// </summary>
public sealed class BasicBlock : ResNetBlock
{
    private readonly Conv2dWithNorm? shortcut;
    private readonly Conv2dWithNorm conv1;
    private readonly Conv2dWithNorm conv2;

    /// <summary>Creates the block; convs get the reference's MSRA fill.</summary>
    public BasicBlock(long inChannels, long outChannels, long stride = 1, string norm = Norm.BN, bool frozenNorm = false)
        : base(nameof(BasicBlock), inChannels, outChannels, stride)
    {
        if (inChannels != outChannels)
            shortcut = new Conv2dWithNorm(inChannels, outChannels, 1, stride: stride, bias: false,
                norm: Norm.Create(norm, outChannels, frozenNorm));
        conv1 = new Conv2dWithNorm(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false,
            norm: Norm.Create(norm, outChannels, frozenNorm));
        conv2 = new Conv2dWithNorm(outChannels, outChannels, 3, stride: 1, padding: 1, bias: false,
            norm: Norm.Create(norm, outChannels, frozenNorm));
        foreach (var layer in new[] { conv1, conv2, shortcut })
            if (layer is not null) WeightInit.C2MsraFill(layer);
        RegisterComponents();
    }

    /// <summary>(N, C_in, H, W) → (N, C_out, H / stride, W / stride).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = conv1.call(x).relu_();
        y = conv2.call(y);
        var residual = shortcut is null ? x : shortcut.call(x);
        // In place, as the reference (out += shortcut; inplace ReLU): neither op's backward needs its input.
        y.add_(residual).relu_();
        return y.MoveToOuterDisposeScope();
    }
}
