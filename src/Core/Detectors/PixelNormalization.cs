namespace Research.Core.Detectors;

/// <summary>
/// Per-channel input normalisation a detector applies to raw pixels, (x − mean) / std (config
/// <c>input.pixel_mean</c> / <c>input.pixel_std</c>), in the channel order of the images it is given.
/// </summary>
/// <param name="Mean">Three values on the 0..255 scale.</param>
/// <param name="Std">Three values, all &gt; 0.</param>
public sealed record PixelNormalization(IReadOnlyList<float> Mean, IReadOnlyList<float> Std)
{
    /// <summary>Throws with a message naming the keys when the values cannot normalise a 3-channel image.</summary>
    public void Validate()
    {
        if (Mean.Count != 3 || Std.Count != 3 || Std.Any(s => !(s > 0)) || Mean.Any(m => !float.IsFinite(m)))
            throw new ArgumentException($"input.pixel_mean and input.pixel_std need 3 finite values each, std > 0; got mean [{string.Join(", ", Mean)}], std [{string.Join(", ", Std)}]");
    }
}
