using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Dense;

/// <summary>
/// A batch's head outputs flattened over levels (DESIGN §4 order) together with the shifts they were predicted
/// at — what assignment rules, losses and analyses read: logits (N, R, K), box deltas (N, R, 4) ((l, t, r, b)
/// input pixels; (dx, dy, dw, dh) for the anchor rule's head), filter/quality logits (N, R, 1) or null, centerness
/// logits (N, R, 1) or null, shifts (R, 2) (x, y) float32, and the (H_l, W_l) of each level. Owns its tensors; the flattened tensors are copies, so the head outputs are never changed.
/// </summary>
public sealed class DensePredictions : IDisposable
{
    /// <summary>Wraps flattened tensors (this object owns them).</summary>
    public DensePredictions(Tensor logits, Tensor deltas, Tensor? filter, Tensor shifts, IReadOnlyList<(int Height, int Width)> levelSizes,
        Tensor? centerness = null)
    {
        if (logits.dim() != 3) throw new ArgumentException($"logits must be (N, R, K), got ({string.Join(", ", logits.shape)})");
        long n = logits.shape[0], r = logits.shape[1];
        if (deltas.dim() != 3 || deltas.shape[0] != n || deltas.shape[1] != r || deltas.shape[2] != 4)
            throw new ArgumentException($"box deltas must be (N, R, 4) = ({n}, {r}, 4), got ({string.Join(", ", deltas.shape)})");
        if (filter is not null && (filter.dim() != 3 || filter.shape[0] != n || filter.shape[1] != r || filter.shape[2] != 1))
            throw new ArgumentException($"filter logits must be (N, R, 1) = ({n}, {r}, 1), got ({string.Join(", ", filter.shape)})");
        if (centerness is not null && (centerness.dim() != 3 || centerness.shape[0] != n || centerness.shape[1] != r || centerness.shape[2] != 1))
            throw new ArgumentException($"centerness logits must be (N, R, 1) = ({n}, {r}, 1), got ({string.Join(", ", centerness.shape)})");
        if (shifts.dim() != 2 || shifts.shape[0] != r || shifts.shape[1] != 2)
            throw new ArgumentException($"shifts must be (R, 2) = ({r}, 2), got ({string.Join(", ", shifts.shape)})");
        Logits = logits;
        Deltas = deltas;
        Filter = filter;
        Centerness = centerness;
        Shifts = shifts;
        LevelSizes = levelSizes.ToArray();
    }

    /// <summary>
    /// Flattens per-level head outputs and concatenates the per-level shifts (H_l·W_l, 2) of
    /// <see cref="ShiftGenerator.GridShifts"/>. New tensors, created in the caller's dispose scope.
    /// </summary>
    public static DensePredictions From(HeadOutputs outputs, IReadOnlyList<Tensor> levelShifts)
    {
        if (levelShifts.Count != outputs.LevelCount)
            throw new ArgumentException($"{levelShifts.Count} shift levels given for {outputs.LevelCount} head levels");
        var (logits, deltas, filter, centerness) = outputs.Flatten();   // (N, R, K), (N, R, 4), (N, R, 1), (N, R, 1)
        var sizes = outputs.LevelSizes.Select(s => ((int)s.Height, (int)s.Width)).ToArray();
        return new DensePredictions(logits, deltas, filter, cat(levelShifts.ToArray(), 0), sizes, centerness);   // shifts (R, 2)
    }

    /// <summary>(N, R, K) classification logits.</summary>
    public Tensor Logits { get; }

    /// <summary>(N, R, 4) (l, t, r, b) distances in input pixels.</summary>
    public Tensor Deltas { get; }

    /// <summary>(N, R, 1) filter (quality) logits, or null without a filter branch.</summary>
    public Tensor? Filter { get; }

    /// <summary>(N, R, 1) centerness logits of FCOS-style heads, or null.</summary>
    public Tensor? Centerness { get; }

    /// <summary>(R, 2) float32 (x, y) of every shift, levels in order, each level a row-major H_l × W_l grid.</summary>
    public Tensor Shifts { get; }

    /// <summary>(H_l, W_l) of every level, P3 first.</summary>
    public IReadOnlyList<(int Height, int Width)> LevelSizes { get; }

    /// <summary>Number of images N.</summary>
    public int ImageCount => (int)Logits.shape[0];

    /// <summary>Number of classes K.</summary>
    public int NumClasses => (int)Logits.shape[2];

    /// <inheritdoc />
    public void Dispose()
    {
        Logits.Dispose();
        Deltas.Dispose();
        Filter?.Dispose();
        Centerness?.Dispose();
        Shifts.Dispose();
    }
}
