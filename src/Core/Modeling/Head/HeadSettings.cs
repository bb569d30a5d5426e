namespace Research.Core.Modeling.Head;

/// <summary>
/// Hyper-parameters of the DeFCN head towers and predictors (config <c>model.head</c>); defaults are the
/// reference's (FCOS.NUM_CONVS 4, FCOS.PRIOR_PROB 0.01).
/// </summary>
/// <param name="NumConvs">Conv-GN-ReLU blocks in each tower.</param>
/// <param name="PriorProb">Initial foreground probability; sets cls_score's bias to −log((1 − p)/p).</param>
public sealed record HeadSettings(int NumConvs = 4, double PriorProb = 0.01)
{
    /// <summary>The reference settings.</summary>
    public static HeadSettings Reference { get; } = new();
}

/// <summary>
/// Hyper-parameters of the filter (quality) branch with 3D Max Filtering (config <c>model.filter</c>);
/// defaults are the reference's (POTO.FILTER_KERNEL_SIZE 3, POTO.FILTER_TAU 2, with GroupNorm).
/// </summary>
/// <param name="Enabled">False gives the POTO-only ablation: no max3d/filter modules, score = sigmoid(cls).</param>
/// <param name="KernelSize">Spatial window k (odd).</param>
/// <param name="Tau">Depth window τ over levels (even).</param>
/// <param name="UseNorm">GroupNorm inside MaxFiltering (false = the "3dmf_wo_gn" variant).</param>
public sealed record FilterSettings(bool Enabled = true, int KernelSize = 3, int Tau = 2, bool UseNorm = true)
{
    /// <summary>The reference settings.</summary>
    public static FilterSettings Reference { get; } = new();
}
