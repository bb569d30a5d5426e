namespace Research.Core.Data;

/// <summary>
/// Input preprocessing (config section `input`, DESIGN §9). Defaults are the reference's COCO settings
/// (DeFCN config.py: short side from 640..800 step 32 at train time, 800 at test, max 1333; MSRA BGR mean,
/// std 1; horizontal flip p = 0.5; size divisibility 32).
/// </summary>
public sealed record InputOptions
{
    /// <summary>Shortest-edge lengths to choose from at train time (uniformly, one per image).</summary>
    public IReadOnlyList<int> MinSizeTrain { get; init; } = new[] { 640, 672, 704, 736, 768, 800 };

    /// <summary>Longest-edge limit at train time.</summary>
    public int MaxSizeTrain { get; init; } = 1333;

    /// <summary>Shortest-edge length at test time.</summary>
    public int MinSizeTest { get; init; } = 800;

    /// <summary>Longest-edge limit at test time.</summary>
    public int MaxSizeTest { get; init; } = 1333;

    /// <summary>Per-channel mean subtracted, in <see cref="Format"/> order (0–255 scale).</summary>
    public IReadOnlyList<double> PixelMean { get; init; } = new[] { 103.530, 116.280, 123.675 };

    /// <summary>Per-channel standard deviation divided by, in <see cref="Format"/> order.</summary>
    public IReadOnlyList<double> PixelStd { get; init; } = new[] { 1.0, 1.0, 1.0 };

    /// <summary>Horizontal flip with probability 0.5 at train time.</summary>
    public bool Flip { get; init; } = true;

    /// <summary>Channel order of the tensors (and of mean/std).</summary>
    public ChannelOrder Format { get; init; } = ChannelOrder.Bgr;

    /// <summary>Padded batch sizes are multiples of this (the reference's size divisibility).</summary>
    public int SizeDivisibility { get; init; } = 32;

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad `input.*` key.</summary>
    public void Validate()
    {
        if (MinSizeTrain.Count == 0 || MinSizeTrain.Any(s => s <= 0)) throw new ArgumentException($"input.min_size_train must be positive sizes, got [{string.Join(", ", MinSizeTrain)}]");
        if (MaxSizeTrain <= 0) throw new ArgumentException($"input.max_size_train must be positive, got {MaxSizeTrain}");
        if (MinSizeTest <= 0) throw new ArgumentException($"input.min_size_test must be positive, got {MinSizeTest}");
        if (MaxSizeTest <= 0) throw new ArgumentException($"input.max_size_test must be positive, got {MaxSizeTest}");
        if (PixelMean.Count != 3) throw new ArgumentException($"input.pixel_mean needs 3 values, got {PixelMean.Count}");
        if (PixelStd.Count != 3 || PixelStd.Any(s => s <= 0)) throw new ArgumentException($"input.pixel_std needs 3 positive values, got [{string.Join(", ", PixelStd)}]");
        if (SizeDivisibility <= 0) throw new ArgumentException($"input.size_divisibility must be positive, got {SizeDivisibility}");
    }
}
