using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Dense;

/// <summary>
/// The points ("shifts") at which a dense detector predicts: one per feature-map location, at
/// <c>(offset + i) · stride</c> in input pixels (cvpods ShiftGenerator, one shift per cell). DeFCN uses
/// offset 0.5, so shifts sit at cell centres.
/// </summary>
public sealed class ShiftGenerator
{
    /// <summary>Creates a generator for levels with the given strides (P3..P7: 8, 16, 32, 64, 128).</summary>
    public ShiftGenerator(IReadOnlyList<int> strides, double offset = 0.5)
    {
        if (strides.Count == 0) throw new ArgumentException("at least one stride is needed", nameof(strides));
        if (strides.Any(s => s <= 0)) throw new ArgumentException($"strides must be positive: [{string.Join(", ", strides)}]", nameof(strides));
        Strides = strides.ToArray();
        Offset = offset;
    }

    /// <summary>Stride of each level, in input pixels.</summary>
    public IReadOnlyList<int> Strides { get; }

    /// <summary>Fraction of a stride added to every grid index (0.5 = cell centres).</summary>
    public double Offset { get; }

    /// <summary>
    /// Shifts of one level. Returns (H·W, 2) float32 holding (x, y), row-major over (y, x): index = y·W + x.
    /// </summary>
    public Tensor LevelShifts(int level, long height, long width, Device? device = null)
    {
        var stride = Strides[level];
        using var scope = NewDisposeScope();
        var start = Offset * stride;
        var xs = arange(start, width * stride + start, stride, dtype: ScalarType.Float32, device: device);   // (W)
        var ys = arange(start, height * stride + start, stride, dtype: ScalarType.Float32, device: device);  // (H)
        // Guard against arange's float end-point rounding: the counts must be exactly W and H.
        xs = xs.narrow(0, 0, width);
        ys = ys.narrow(0, 0, height);
        var grid = meshgrid(new[] { ys, xs }, indexing: "ij");                                            // 2 × (H, W)
        var shifts = stack(new[] { grid[1].reshape(-1), grid[0].reshape(-1) }, 1);                        // (H·W, 2)
        return shifts.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Shifts of every level for feature maps of the given (H, W) sizes, one (H_l·W_l, 2) tensor per level
    /// (the same for every image of a batch).
    /// </summary>
    public Tensor[] GridShifts(IReadOnlyList<(long Height, long Width)> sizes, Device? device = null)
    {
        if (sizes.Count != Strides.Count)
            throw new ArgumentException($"{sizes.Count} feature sizes given for {Strides.Count} strides", nameof(sizes));
        return sizes.Select((s, l) => LevelShifts(l, s.Height, s.Width, device)).ToArray();
    }

    /// <summary>Shifts of all levels concatenated in level order: (R, 2) with R = Σ H_l·W_l.</summary>
    public Tensor AllShifts(IReadOnlyList<(long Height, long Width)> sizes, Device? device = null)
    {
        var levels = GridShifts(sizes, device);
        try { return cat(levels, 0); }
        finally { foreach (var t in levels) t.Dispose(); }
    }
}
