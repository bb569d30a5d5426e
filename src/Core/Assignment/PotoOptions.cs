namespace Research.Core.Assignment;

/// <summary>The one-to-one rule a DeFCN detector trains with (config <c>model.assignment</c>).</summary>
public enum OneToOneRule
{
    /// <summary>POTO: maximum-quality bipartite matching on q = p^(1−α)·IoU^α (<see cref="PotoAssigner"/>).</summary>
    Poto,

    /// <summary>Each GT takes its best-quality shift, conflicts go to the higher quality (<see cref="PotoArgmaxAssigner"/>).</summary>
    PotoArgmax,

    /// <summary>Hungarian matching minimising the foreground loss of each pair (<see cref="ForegroundLossAssigner"/>).</summary>
    ForegroundLoss,

    /// <summary>The nearest shift per level within the level's size range (<see cref="CenterRuleAssigner"/>).</summary>
    Center,

    /// <summary>Each GT its best-IoU square anchor; the head predicts anchor deltas (<see cref="AnchorRuleAssigner"/>).</summary>
    Anchor,
}

/// <summary>
/// Hyper-parameters of DeFCN's assignment (config <c>model.poto</c>); defaults are the reference's
/// (POTO.ALPHA 0.8, CENTER_SAMPLING_RADIUS 1.5, AUX_TOPK 9).
/// </summary>
/// <param name="Alpha">α of q = p^(1−α)·IoU^α, in [0, 1] (shared by POTO and the auxiliary rule).</param>
/// <param name="CenterSamplingRadius">POTO's centre-sampling prior in strides (0 = shifts inside the box).</param>
/// <param name="AuxTopK">Candidates per level and GT of the auxiliary one-to-many rule.</param>
/// <param name="Rule">The one-to-one rule (config <c>model.assignment</c>); all use the centre-sampling prior.</param>
public sealed record PotoOptions(double Alpha = 0.8, double CenterSamplingRadius = 1.5, int AuxTopK = 9, OneToOneRule Rule = OneToOneRule.Poto)
{
    /// <summary>The reference settings.</summary>
    public static PotoOptions Reference { get; } = new();
}
