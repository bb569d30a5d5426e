namespace Research.Core.Losses;

/// <summary>
/// Loss hyper-parameters of DeFCN (config <c>model.loss</c>); defaults are the reference's (FOCAL_LOSS_ALPHA
/// 0.25, FOCAL_LOSS_GAMMA 2.0, REG_WEIGHT 2.0).
/// </summary>
/// <param name="FocalAlpha">Focal loss α (weight of the positive term).</param>
/// <param name="FocalGamma">Focal loss γ (focusing exponent).</param>
/// <param name="RegWeight">Weight of the GIoU loss.</param>
public sealed record DefcnLossOptions(double FocalAlpha = 0.25, double FocalGamma = 2.0, double RegWeight = 2.0)
{
    /// <summary>The reference settings.</summary>
    public static DefcnLossOptions Reference { get; } = new();
}
