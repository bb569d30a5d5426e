namespace Research.Core.SingleObjectTracking;

/// <summary>
/// Parameters of synthetic tracking sequences. Every sequence is a pure function of (these values, its
/// index), so the same spec gives byte-identical folders on any machine.
/// </summary>
/// <param name="Seed">Base seed; sequence i uses a generator seeded from (Seed, i).</param>
/// <param name="Frames">Frames per sequence.</param>
/// <param name="Width">Frame width in pixels.</param>
/// <param name="Height">Frame height in pixels.</param>
/// <param name="MinTargetSize">Smallest initial target side (the geometric mean of w and h), pixels.</param>
/// <param name="MaxTargetSize">Largest initial target side, pixels.</param>
/// <param name="MaxSpeed">Largest target speed, pixels per frame (the motion is a damped random walk of the velocity).</param>
/// <param name="ScaleAmplitude">The target's size follows exp(a · sin(...)) with a = this: 0.3 gives sizes from ×0.74 to ×1.35.</param>
/// <param name="Distractors">Same-class objects (same shape, similar colour) whose straight paths cross the target.</param>
/// <param name="Occluders">Static bars placed on the target's path, narrower than the target (partial occlusion).</param>
public sealed record SyntheticSequenceSpec(int Seed = 7, int Frames = 60, int Width = 320, int Height = 240,
    double MinTargetSize = 24, double MaxTargetSize = 48, double MaxSpeed = 4, double ScaleAmplitude = 0.3,
    int Distractors = 2, int Occluders = 1)
{
    /// <summary>The embedded default (the values above).</summary>
    public static SyntheticSequenceSpec Default { get; } = new();

    /// <summary>Refuses values that cannot make a sequence, naming the parameter.</summary>
    public void Validate()
    {
        void Require(bool ok, string name, object value, string rule)
        {
            if (!ok) throw new ArgumentOutOfRangeException(name, value, $"synthetic sequence {name} {rule}");
        }
        Require(Frames >= 1, nameof(Frames), Frames, "must be ≥ 1");
        Require(Width >= 16 && Height >= 16, nameof(Width), $"{Width}×{Height}", "frame must be at least 16×16");
        Require(MinTargetSize > 0 && MaxTargetSize >= MinTargetSize, nameof(MinTargetSize), $"{MinTargetSize}..{MaxTargetSize}", "must satisfy 0 < min ≤ max");
        Require(MaxTargetSize * Math.Exp(ScaleAmplitude) * 1.6 < Math.Min(Width, Height), nameof(MaxTargetSize), MaxTargetSize, "at its largest scale must fit in the frame");
        Require(MaxSpeed >= 0 && double.IsFinite(MaxSpeed), nameof(MaxSpeed), MaxSpeed, "must be ≥ 0");
        Require(ScaleAmplitude >= 0 && ScaleAmplitude <= 1, nameof(ScaleAmplitude), ScaleAmplitude, "must be in [0, 1]");
        Require(Distractors >= 0, nameof(Distractors), Distractors, "must be ≥ 0");
        Require(Occluders >= 0, nameof(Occluders), Occluders, "must be ≥ 0");
    }
}
