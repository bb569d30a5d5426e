using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Modeling.Backbone;

/// <summary>
/// Feature pyramid on a bottom-up backbone, as cvpods builds it for RetinaNet/FCOS/DeFCN (modeling/backbone/fpn.py l.39-176 FPN with
/// LastLevelP6P7 on P5, l.264-300 and l.333 build_retinanet_resnet_fpn_p5_backbone): per input level a 1×1 lateral conv and
/// a 3×3 output conv (<c>fpn_lateral{s}</c>, <c>fpn_output{s}</c> with s = log2 stride), a top-down path
/// of nearest ×2 upsampling with sum fusion, then the top block (<c>top_block.p6</c>, <c>top_block.p7</c>).
/// Children and keys equal the reference's <c>backbone.*</c> keys without the <c>backbone.</c> prefix.
/// </summary>
public sealed class Fpn : nn.Module<Tensor, Tensor[]>, IBackbone
{
    private readonly nn.Module<Tensor, Tensor[]> bottom_up;
    private readonly Conv2dWithNorm[] _lateral;   // finest level first
    private readonly Conv2dWithNorm[] _output;    // finest level first
    private readonly LastLevelP6P7? top_block;
    private readonly ShapeSpec[] _outShapes;
    private readonly bool _topFromP5;

    /// <summary>Builds the pyramid on <paramref name="bottomUp"/>, which must implement <see cref="IBackbone"/>
    /// and return maps with log2-contiguous strides (e.g. ResNet res3..res5).</summary>
    /// <param name="bottomUp">The bottom-up network (registered as <c>bottom_up</c>).</param>
    /// <param name="outChannels">Channels of every pyramid level (256).</param>
    /// <param name="norm">Norm of the lateral/output convs: "" (reference default; convs then have a bias) or "GN", "BN", "FrozenBN".</param>
    /// <param name="topLevels">Levels added above the coarsest input: 2 → P6, P7 (DeFCN), 1 → P6, 0 → none.</param>
    /// <param name="topBlockFromP5">P6 from P5 (reference "p5", DeFCN) or from the coarsest bottom-up map ("res5", RetinaNet).</param>
    public Fpn(nn.Module<Tensor, Tensor[]> bottomUp, int outChannels = 256, string norm = Norm.None, int topLevels = 2,
        bool topBlockFromP5 = true)
        : base(nameof(Fpn))
    {
        ArgumentNullException.ThrowIfNull(bottomUp);
        if (bottomUp is not IBackbone backbone)
            throw new ArgumentException($"the bottom-up module {bottomUp.GetType().Name} must implement IBackbone (its output shapes are needed)", nameof(bottomUp));
        Norm.Validate(norm, "FPN norm");
        if (outChannels <= 0) throw new ArgumentOutOfRangeException(nameof(outChannels), outChannels, "FPN channels must be positive");
        if (topLevels is < 0 or > 2) throw new ArgumentOutOfRangeException(nameof(topLevels), topLevels, "top levels must be 0, 1 (P6) or 2 (P6, P7)");
        var inShapes = backbone.OutputShapes;
        if (inShapes.Count == 0) throw new ArgumentException("the bottom-up network has no outputs", nameof(bottomUp));
        for (var i = 1; i < inShapes.Count; i++)
            if (inShapes[i].Stride != 2 * inShapes[i - 1].Stride)
                throw new ArgumentException($"bottom-up strides must double level to level: [{string.Join(", ", inShapes.Select(s => s.Stride))}]", nameof(bottomUp));

        bottom_up = bottomUp;
        register_module("bottom_up", bottom_up);
        var useBias = norm == Norm.None;
        _lateral = new Conv2dWithNorm[inShapes.Count];
        _output = new Conv2dWithNorm[inShapes.Count];
        var shapes = new List<ShapeSpec>();
        for (var i = 0; i < inShapes.Count; i++)
        {
            var stage = (int)Math.Round(Math.Log2(inShapes[i].Stride));
            if (1 << stage != inShapes[i].Stride) throw new ArgumentException($"bottom-up stride {inShapes[i].Stride} is not a power of two", nameof(bottomUp));
            _lateral[i] = new Conv2dWithNorm(inShapes[i].Channels, outChannels, 1, bias: useBias, norm: Norm.Create(norm, outChannels));
            _output[i] = new Conv2dWithNorm(outChannels, outChannels, 3, padding: 1, bias: useBias, norm: Norm.Create(norm, outChannels));
            WeightInit.C2XavierFill(_lateral[i]);
            WeightInit.C2XavierFill(_output[i]);
            var s = stage.ToString(CultureInfo.InvariantCulture);
            register_module("fpn_lateral" + s, _lateral[i]);
            register_module("fpn_output" + s, _output[i]);
            shapes.Add(new ShapeSpec(outChannels, inShapes[i].Stride));
        }
        _topFromP5 = topBlockFromP5;
        if (topLevels > 0)
        {
            var topIn = topBlockFromP5 ? outChannels : inShapes[^1].Channels;
            top_block = new LastLevelP6P7(topIn, outChannels, topLevels);
            register_module("top_block", top_block);
            for (var l = 1; l <= topLevels; l++) shapes.Add(new ShapeSpec(outChannels, inShapes[^1].Stride << l));
        }
        _outShapes = shapes.ToArray();
        SizeDivisibility = inShapes[^1].Stride;
    }

    /// <summary>Channels and stride of P3..P7 (or the levels built), finest first.</summary>
    public IReadOnlyList<ShapeSpec> OutputShapes => _outShapes;

    /// <summary>Stride of the coarsest bottom-up level (32): the reference pads batches to a multiple of it.</summary>
    public int SizeDivisibility { get; }

    /// <summary>The bottom-up network.</summary>
    public nn.Module<Tensor, Tensor[]> BottomUp => bottom_up;

    /// <summary>
    /// Images (N, C_in, H, W) → pyramid levels finest first (P3..P7 for DeFCN), each (N, C, H_l, W_l).
    /// Inputs padded to a multiple of <see cref="SizeDivisibility"/> give H_l = H / stride_l up to P5;
    /// P6/P7 come from stride-2 convs (⌈·/2⌉).
    /// </summary>
    public override Tensor[] forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var bottomUpFeatures = bottom_up.call(x);
        var n = _lateral.Length;
        var results = new Tensor[n];
        var prev = _lateral[n - 1].call(bottomUpFeatures[n - 1]);
        results[n - 1] = _output[n - 1].call(prev);
        for (var i = n - 2; i >= 0; i--)
        {
            var lateral = _lateral[i].call(bottomUpFeatures[i]);
            // The reference upsamples by scale_factor 2 (nearest, fpn.py l.154); for exact doubling that is the same as
            // resizing to the lateral map's size. When the input is not a multiple of the size divisibility
            // the reference fails on the size mismatch; resizing to the lateral size keeps going instead.
            var topDown = nn.functional.interpolate(prev, size: new[] { lateral.shape[2], lateral.shape[3] },
                mode: InterpolationMode.Nearest);
            prev = lateral + topDown;
            results[i] = _output[i].call(prev);
        }
        var outputs = results.ToList();
        if (top_block is not null)
            outputs.AddRange(top_block.call(_topFromP5 ? results[n - 1] : bottomUpFeatures[n - 1]));
        foreach (var o in outputs) o.MoveToOuterDisposeScope();
        return outputs.ToArray();
    }
}
