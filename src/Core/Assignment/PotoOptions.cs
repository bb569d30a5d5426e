namespace Research.Core.Assignment;

/// <summary>How POTO turns its quality matrix into one positive per GT.</summary>
public enum PotoMatching
{
    /// <summary>Maximum-quality bipartite matching (the paper's POTO).</summary>
    Hungarian,

    /// <summary>Each GT takes its best shift, conflicts go to the higher quality (the "POTO argmax" ablation).</summary>
    Argmax,
}

/// <summary>
/// Hyper-parameters of DeFCN's assignment (config <c>model.poto</c>); defaults are the reference's
/// (POTO.ALPHA 0.8, CENTER_SAMPLING_RADIUS 1.5, AUX_TOPK 9).
/// </summary>
/// <param name="Alpha">α of q = p^(1−α)·IoU^α, in [0, 1] (shared by POTO and the auxiliary rule).</param>
/// <param name="CenterSamplingRadius">POTO's centre-sampling prior in strides (0 = shifts inside the box).</param>
/// <param name="AuxTopK">Candidates per level and GT of the auxiliary one-to-many rule.</param>
/// <param name="Matching">Hungarian (POTO) or argmax per GT (<see cref="PotoArgmaxAssigner"/>; config <c>model.assignment</c>).</param>
public sealed record PotoOptions(double Alpha = 0.8, double CenterSamplingRadius = 1.5, int AuxTopK = 9, PotoMatching Matching = PotoMatching.Hungarian)
{
    /// <summary>The reference settings.</summary>
    public static PotoOptions Reference { get; } = new();
}
