namespace Research.Core.Data.Crops;

/// <summary>
/// Settings of target-centred crops: context factor of the region side (see <see cref="CropRegion"/>),
/// output size S in pixels, the fraction of a box's area that must stay inside the crop for it to remain a
/// label, and the training-time jitter (<see cref="CropJitter.None"/> at inference).
/// </summary>
public sealed record CropSettings(double Context, int OutputSize, double MinVisibleFraction, CropJitter Jitter)
{
    /// <summary>Refuses values that cannot make a crop, naming the setting.</summary>
    public void Validate()
    {
        if (!(Context > 0) || !double.IsFinite(Context)) throw new ArgumentOutOfRangeException(nameof(Context), Context, "crop context must be > 0");
        if (OutputSize <= 0) throw new ArgumentOutOfRangeException(nameof(OutputSize), OutputSize, "crop output_size must be > 0");
        if (!(MinVisibleFraction >= 0 && MinVisibleFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(MinVisibleFraction), MinVisibleFraction, "crop min_visible_fraction must be in [0, 1]");
        Jitter.Validate();
    }
}
