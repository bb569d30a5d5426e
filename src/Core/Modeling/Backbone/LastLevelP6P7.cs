using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Modeling.Backbone;

/// <summary>
/// The extra coarse FPN levels of RetinaNet/FCOS/DeFCN (cvpods modeling/backbone/fpn.py l.204-227, LastLevelP6P7): p6 = conv3×3 s2(input),
/// p7 = conv3×3 s2(relu(p6)), both with bias and the Caffe2 Xavier fill. The input is P5 for DeFCN
/// (FPN.BLOCK_IN_FEATURES = "p5"). With one level only p6 is built (P3–P6 pyramids).
/// </summary>
public sealed class LastLevelP6P7 : nn.Module<Tensor, Tensor[]>
{
    private readonly Conv2dWithNorm p6;
    private readonly Conv2dWithNorm? p7;

    /// <summary>Creates p6 (and p7 when <paramref name="numLevels"/> is 2).</summary>
    public LastLevelP6P7(long inChannels, long outChannels, int numLevels = 2) : base(nameof(LastLevelP6P7))
    {
        if (numLevels is not (1 or 2)) throw new ArgumentOutOfRangeException(nameof(numLevels), numLevels, "the top block adds 1 (P6) or 2 (P6, P7) levels");
        NumLevels = numLevels;
        p6 = new Conv2dWithNorm(inChannels, outChannels, 3, stride: 2, padding: 1);
        WeightInit.C2XavierFill(p6);
        if (numLevels == 2)
        {
            p7 = new Conv2dWithNorm(outChannels, outChannels, 3, stride: 2, padding: 1);
            WeightInit.C2XavierFill(p7);
        }
        RegisterComponents();
    }

    /// <summary>Number of levels added (1 or 2).</summary>
    public int NumLevels { get; }

    /// <summary>(N, C, H, W) → [P6 (N, C', ⌈H/2⌉, ⌈W/2⌉), P7 (N, C', ⌈H/4⌉, ⌈W/4⌉)] (P7 only with two levels).</summary>
    public override Tensor[] forward(Tensor x)
    {
        var out6 = p6.call(x);
        if (p7 is null) return new[] { out6 };
        using var activated = nn.functional.relu(out6);
        return new[] { out6, p7.call(activated) };
    }
}
