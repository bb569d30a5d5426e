using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Dense;

/// <summary>
/// The anchor rule's boxes (official anchor...3x_ms with cvpods DefaultAnchorGenerator, aspect ratio 1, offset
/// 0.5): one square anchor of side S_l per location of level l, centred on the shift, [x − S_l/2, y − S_l/2,
/// x + S_l/2, y + S_l/2] (S_l = 32·2^l for P3-P7, i.e. 4 × stride), and the head's (dx, dy, dw, dh) decoded
/// against it with <see cref="Box2BoxTransform"/> weights (1, 1, 1, 1).
/// </summary>
public sealed class AnchorBoxCoder : IBoxDecoder
{
    private readonly double[] _sizes;

    /// <summary>Creates the coder for anchors of side <paramref name="sizes"/>[l] on level l (config <c>model.anchor.sizes</c>).</summary>
    public AnchorBoxCoder(IReadOnlyList<double> sizes, Box2BoxTransform? transform = null)
    {
        if (sizes.Count == 0 || sizes.Any(s => !(s > 0) || double.IsInfinity(s)))
            throw new ArgumentException($"model.anchor.sizes must be positive and finite, got [{string.Join(", ", sizes)}]", nameof(sizes));
        _sizes = sizes.ToArray();
        Transform = transform ?? new Box2BoxTransform();
    }

    /// <summary>The reference's anchor sides for levels of the given strides: 4 × stride (32, 64, ..., 512 for P3-P7).</summary>
    public static double[] ReferenceSizes(IEnumerable<int> strides) => strides.Select(s => 4.0 * s).ToArray();

    /// <summary>Anchor side per level.</summary>
    public IReadOnlyList<double> Sizes => _sizes;

    /// <summary>The delta coding.</summary>
    public Box2BoxTransform Transform { get; }

    /// <summary>Square anchors (P, 4) XYXY of side <paramref name="side"/> centred on shifts (P, 2), in the shifts' dtype.</summary>
    public static Tensor SquareAnchors(Tensor shifts, double side)
    {
        using var scope = NewDisposeScope();
        var half = side / 2;   // cvpods adds the base anchor (−S/2, −S/2, S/2, S/2), computed in double, stored float32
        return cat(new[] { shifts + (float)-half, shifts + (float)half }, -1).MoveToOuterDisposeScope();
    }

    /// <summary>Anchors (R, 4) of every shift (R, 2) of levels with the given (H_l, W_l), levels in order.</summary>
    public Tensor Anchors(Tensor shifts, IReadOnlyList<(int Height, int Width)> levelSizes)
    {
        if (levelSizes.Count != _sizes.Length)
            throw new ArgumentException($"{levelSizes.Count} levels but {_sizes.Length} anchor sizes (model.anchor.sizes)");
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>();
        long start = 0;
        for (var l = 0; l < levelSizes.Count; l++)
        {
            long count = (long)levelSizes[l].Height * levelSizes[l].Width;
            parts.Add(SquareAnchors(shifts.narrow(0, start, count), _sizes[l]));
            start += count;
        }
        if (start != shifts.shape[0]) throw new ArgumentException($"the level sizes cover {start} shifts, the shifts are {shifts.shape[0]}");
        return cat(parts, 0).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public Tensor Decode(Tensor regression, Tensor shifts, int level)
    {
        if (level < 0 || level >= _sizes.Length) throw new ArgumentOutOfRangeException(nameof(level), $"level {level} has no anchor size ({_sizes.Length} sizes)");
        using var scope = NewDisposeScope();
        return Transform.ApplyDeltas(regression, SquareAnchors(shifts.to(regression.dtype), _sizes[level])).MoveToOuterDisposeScope();
    }
}
