namespace Research.Core.Data.Crops;

/// <summary>
/// Training-time jitter of the crop region, so the target is not always centred and not always the same
/// size in the crop. The centre moves by up to <see cref="CenterShift"/> × side on each axis and the side is
/// multiplied by exp(u · ln(1 + <see cref="ScaleRange"/>)), u uniform in [−1, 1] (symmetric in log scale).
/// </summary>
public sealed record CropJitter(double CenterShift, double ScaleRange)
{
    /// <summary>No jitter (inference crops).</summary>
    public static CropJitter None { get; } = new(0, 0);

    /// <summary>Refuses shifts that could push the target centre out of the crop, and negative ranges.</summary>
    public void Validate()
    {
        if (!(CenterShift >= 0 && CenterShift < 0.5))
            throw new ArgumentOutOfRangeException(nameof(CenterShift), CenterShift, "crop jitter center_shift must be in [0, 0.5) (a fraction of the crop side)");
        if (!(ScaleRange >= 0 && double.IsFinite(ScaleRange)))
            throw new ArgumentOutOfRangeException(nameof(ScaleRange), ScaleRange, "crop jitter scale_range must be ≥ 0");
    }

    /// <summary>
    /// Draws one jitter: centre shifts (fractions of the side) and a side factor. Three draws from the
    /// generator in a fixed order (x, y, scale), so a seeded <see cref="Random"/> repeats them.
    /// </summary>
    public (double ShiftX, double ShiftY, double SideFactor) Sample(Random random)
    {
        Validate();
        var dx = (2 * random.NextDouble() - 1) * CenterShift;
        var dy = (2 * random.NextDouble() - 1) * CenterShift;
        var factor = Math.Exp((2 * random.NextDouble() - 1) * Math.Log(1 + ScaleRange));
        return (dx, dy, factor);
    }
}
