namespace Research.Core.Modeling.Head;

/// <summary>Normalisation inside the head towers (config <c>model.head.norm</c>).</summary>
public enum HeadNorm
{
    /// <summary>GroupNorm(32, C) after every tower conv, as the reference.</summary>
    GroupNorm,

    /// <summary>No normalisation: Conv → ReLU.</summary>
    None,
}

/// <summary>
/// Hyper-parameters of the DeFCN head towers and predictors (config <c>model.head</c>); defaults are the
/// reference's (FCOS.NUM_CONVS 4, FCOS.PRIOR_PROB 0.01, GroupNorm).
/// </summary>
/// <param name="NumConvs">Conv-(norm)-ReLU blocks in each tower.</param>
/// <param name="PriorProb">Initial foreground probability; sets cls_score's bias to −log((1 − p)/p).</param>
/// <param name="Norm">Tower normalisation. With GroupNorm a block's modules are <c>3i</c> (conv), <c>3i+1</c> (GN),
/// <c>3i+2</c> (ReLU); without, <c>2i</c> (conv) and <c>2i+1</c> (ReLU), as nn.Sequential numbers them.</param>
public sealed record HeadOptions(int NumConvs = 4, double PriorProb = 0.01, HeadNorm Norm = HeadNorm.GroupNorm)
{
    /// <summary>The reference settings.</summary>
    public static HeadOptions Reference { get; } = new();
}

/// <summary>
/// Hyper-parameters of the filter (quality) branch with 3D Max Filtering (config <c>model.filter</c>);
/// defaults are the reference's (POTO.FILTER_KERNEL_SIZE 3, POTO.FILTER_TAU 2, with GroupNorm).
/// </summary>
/// <param name="Enabled">False gives the POTO-only ablation: no max3d/filter modules, score = sigmoid(cls).</param>
/// <param name="KernelSize">Spatial window k (odd).</param>
/// <param name="Tau">Depth window τ over levels (even).</param>
/// <param name="UseNorm">GroupNorm inside MaxFiltering (false = the "3dmf_wo_gn" variant).</param>
public sealed record FilterOptions(bool Enabled = true, int KernelSize = 3, int Tau = 2, bool UseNorm = true)
{
    /// <summary>The reference settings.</summary>
    public static FilterOptions Reference { get; } = new();
}
