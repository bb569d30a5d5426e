using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace Research.Core.Modeling.Head;

/// <summary>
/// 3D Max Filtering (DeFCN paper §3.3; official fcos.py l.694-728, module <c>max3d</c> of the head).
/// For level l: f_j = conv(x_j) for every level, the maps of levels j ∈ [l − τ/2, l + τ/2] (clipped to the
/// pyramid) are resized to level l's size (size-based bilinear, align_corners false), stacked along a
/// depth axis, max-pooled with a (τ+1, k, k) window (stride 1, −∞ padding), and the depth slice of level l
/// is taken. out_l = ReLU(GN(pooled + x_l)); the residual is the un-convolved input x_l.
/// State keys: <c>conv.weight/bias</c>, <c>norm.weight/bias</c> (absent in the without-GN variant).
/// </summary>
public sealed class MaxFiltering : Module<Tensor[], Tensor[]>
{
    private readonly Conv2d conv;
    private readonly GroupNorm? norm;
    private readonly long _spatialPadding;
    private readonly int _margin;
    private static readonly long[] Stride1 = { 1, 1, 1 };

    /// <summary>
    /// Creates the module for C = <paramref name="channels"/> channels.
    /// </summary>
    /// <param name="channels">Channel count C of every input level (a multiple of 32 when the GroupNorm is used).</param>
    /// <param name="kernelSize">Spatial window k (odd, ≥ 1); the reference setting is 3.</param>
    /// <param name="tau">Depth window τ over neighbouring levels (even, ≥ 0); the reference setting is 2.</param>
    /// <param name="useNorm">GroupNorm(32, C) before the ReLU (the reference); false gives the "3dmf_wo_gn" variant.</param>
    public MaxFiltering(int channels, int kernelSize = 3, int tau = 2, bool useNorm = true) : base(nameof(MaxFiltering))
    {
        if (kernelSize < 1 || kernelSize % 2 == 0)
            throw new ArgumentException($"MaxFiltering kernel size must be odd and ≥ 1 (got {kernelSize}): an even window with padding k/2 changes the map size, so the residual add fails in the official code too.", nameof(kernelSize));
        if (tau < 0 || tau % 2 != 0)
            throw new ArgumentException($"MaxFiltering tau must be even and ≥ 0 (got {tau}): the official DeFCN MaxFiltering fails for odd tau (tau = 1 pools a depth-2 window over a depth-1 stack and gets an empty output; tau = 3 indexes past the pooled depth at the last level).", nameof(tau));
        if (useNorm && channels % 32 != 0)
            throw new ArgumentException($"MaxFiltering GroupNorm(32, C) needs C divisible by 32 (got C = {channels}).", nameof(channels));
        KernelSize = kernelSize;
        Tau = tau;
        _margin = tau / 2;
        _spatialPadding = kernelSize / 2;
        conv = Conv2d(channels, channels, 3, stride: 1, padding: 1);
        norm = useNorm ? GroupNorm(32, channels) : null;
        RegisterComponents();
        if (norm != null)
        {
            // TorchSharp 0.107 leaves GroupNorm's affine parameters uninitialised (dotnet-stack-facts §1c).
            using var _ = no_grad();
            init.ones_(norm.weight!);
            init.zeros_(norm.bias!);
        }
    }

    /// <summary>Spatial window k.</summary>
    public int KernelSize { get; }

    /// <summary>Depth window τ (levels l − τ/2 .. l + τ/2 are compared).</summary>
    public int Tau { get; }

    /// <summary>Whether the GroupNorm is present.</summary>
    public bool UsesNorm => norm != null;

    /// <summary>
    /// Inputs: L maps (N, C, H_l, W_l), finest first (the bbox-tower outputs of every level).
    /// Returns L maps of the same shapes.
    /// </summary>
    public override Tensor[] forward(Tensor[] inputs)
    {
        if (inputs.Length == 0) throw new ArgumentException("MaxFiltering needs at least one level");
        using var scope = NewDisposeScope();
        var levels = inputs.Length;
        var convolved = inputs.Select(x => conv.forward(x)).ToArray();   // L × (N, C, H_l, W_l)
        var outputs = new Tensor[levels];
        for (var l = 0; l < levels; l++)
        {
            long h = convolved[l].shape[2], w = convolved[l].shape[3];
            var first = Math.Max(0, l - _margin);
            var last = Math.Min(levels - 1, l + _margin);
            var stackedLevels = new List<Tensor>();
            for (var j = first; j <= last; j++)
                stackedLevels.Add(j == l
                    ? convolved[j]
                    // Size-based resize as the reference (F.interpolate(size=..., mode="bilinear")): sizes are
                    // not always exact halves (e.g. 5 → 3), so a scale factor would sample differently.
                    : F.interpolate(convolved[j], size: new[] { h, w }, mode: InterpolationMode.Bilinear, align_corners: false));
            var volume = stack(stackedLevels, 2);                                                   // (N, C, D, H, W)
            // The reference pools the whole volume with a (τ+1, k, k) window and depth padding τ/2, then keeps
            // depth slice l − first. That slice's depth window covers exactly the D = last − first + 1 stacked
            // levels (the rest is −∞ padding), so pooling with a (D, k, k) window and no depth padding computes
            // that one slice alone: the same maxima, found in the same (d, h, w) scan order (so the same
            // gradient routing), at 1/D of the cost.
            var own = F.max_pool3d(volume, new long[] { volume.shape[2], KernelSize, KernelSize }, Stride1,
                new long[] { 0, _spatialPadding, _spatialPadding }).squeeze(2);                    // (N, C, H, W)
            var summed = own + inputs[l];            // residual: the un-convolved input (fcos.py l.726)
            // In place: neither the sum's nor GroupNorm's backward needs its output.
            outputs[l] = (norm is null ? summed : norm.forward(summed)).relu_();
        }
        foreach (var o in outputs) o.MoveToOuterDisposeScope();
        return outputs;
    }
}
