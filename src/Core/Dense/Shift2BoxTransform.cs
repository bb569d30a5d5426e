using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Dense;

/// <summary>
/// Box coding of DeFCN/FCOS: a box is the four distances (l, t, r, b) from a shift to its sides
/// (cvpods Shift2BoxTransform). With weights w, deltas = (x − x1, y − y1, x2 − x, y2 − y) · w.
/// Boxes are XYXY in input pixels.
/// </summary>
public sealed class Shift2BoxTransform : IBoxDecoder
{
    private readonly double[] _weights;

    /// <summary>Creates the transform; DeFCN uses weights (1, 1, 1, 1).</summary>
    public Shift2BoxTransform(double wl = 1, double wt = 1, double wr = 1, double wb = 1)
    {
        _weights = new[] { wl, wt, wr, wb };
        if (_weights.Any(w => !(w > 0))) throw new ArgumentException("box weights must be positive");
    }

    /// <summary>The (l, t, r, b) weights.</summary>
    public IReadOnlyList<double> Weights => _weights;

    /// <summary>
    /// Encodes boxes relative to shifts. shifts (..., 2) as (x, y) and boxes (..., 4) XYXY broadcast
    /// against each other (e.g. shifts (R, 2) with boxes (M, 1, 4) give (M, R, 4)); returns (..., 4)
    /// (l, t, r, b) in the shifts' dtype.
    /// </summary>
    public Tensor GetDeltas(Tensor shifts, Tensor boxes)
    {
        using var scope = NewDisposeScope();
        var b = boxes.to(shifts.dtype);
        var deltas = cat(new[] { shifts - b[TensorIndex.Ellipsis, ..2], b[TensorIndex.Ellipsis, 2..] - shifts }, -1);
        if (_weights.Any(w => w != 1)) deltas = deltas * tensor(_weights, dtype: shifts.dtype, device: shifts.device);
        return deltas.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Decodes deltas (..., 4) at shifts (..., 2) (broadcast, e.g. (N, R, 4) with (R, 2)) into XYXY boxes
    /// (..., 4) in the deltas' dtype. Non-finite deltas are an error, as in the reference.
    /// </summary>
    public Tensor ApplyDeltas(Tensor deltas, Tensor shifts)
    {
        using var scope = NewDisposeScope();
        if (deltas.numel() == 0) return empty_like(deltas).MoveToOuterDisposeScope();
        if (!isfinite(deltas).all().item<bool>())
            throw new ArgumentException("box deltas contain NaN or Inf (the regression branch diverged)");
        var s = shifts.to(deltas.dtype);
        var d = deltas;
        if (_weights.Any(w => w != 1)) d = d / tensor(_weights, dtype: deltas.dtype, device: deltas.device);
        var boxes = cat(new[] { s - d[TensorIndex.Ellipsis, ..2], s + d[TensorIndex.Ellipsis, 2..] }, -1);
        return boxes.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public Tensor Decode(Tensor regression, Tensor shifts, int level) => ApplyDeltas(regression, shifts);
}
