using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Dense;

/// <summary>
/// Raw per-level outputs of the DeFCN head (official FCOSHead.forward): for each level l (P3 first)
/// logits (N, K, H_l, W_l), box regression (N, 4, H_l, W_l) as (l, t, r, b) distances in input pixels (≥ 0),
/// and the filter (quality) logits (N, 1, H_l, W_l), or null when the head has no filter branch; FCOS-style heads
/// add centerness logits (N, 1, H_l, W_l), and the anchor rule's head gives (dx, dy, dw, dh) anchor deltas in place
/// of distances. Owns its tensors.
/// </summary>
public sealed class HeadOutputs : IDisposable
{
    /// <summary>Wraps per-level tensors; all lists must have the same number of levels.</summary>
    public HeadOutputs(Tensor[] logits, Tensor[] boxRegression, Tensor[]? filter, Tensor[]? centerness = null)
    {
        if (logits.Length == 0) throw new ArgumentException("head outputs need at least one level");
        if (boxRegression.Length != logits.Length || (filter != null && filter.Length != logits.Length) || (centerness != null && centerness.Length != logits.Length))
            throw new ArgumentException($"head outputs disagree on the level count: logits {logits.Length}, box regression {boxRegression.Length}, filter {filter?.Length}, centerness {centerness?.Length}");
        Logits = logits;
        BoxRegression = boxRegression;
        Filter = filter;
        Centerness = centerness;
    }

    /// <summary>Per level: classification logits (N, K, H_l, W_l).</summary>
    public Tensor[] Logits { get; }

    /// <summary>Per level: (l, t, r, b) distances (N, 4, H_l, W_l), input pixels, relu(scale·conv)·stride.</summary>
    public Tensor[] BoxRegression { get; }

    /// <summary>Per level: filter (quality) logits (N, 1, H_l, W_l), or null without the filter branch.</summary>
    public Tensor[]? Filter { get; }

    /// <summary>Per level: centerness logits (N, 1, H_l, W_l) of FCOS-style heads, or null.</summary>
    public Tensor[]? Centerness { get; }

    /// <summary>Number of levels L.</summary>
    public int LevelCount => Logits.Length;

    /// <summary>Number of classes K.</summary>
    public long NumClasses => Logits[0].shape[1];

    /// <summary>(H_l, W_l) of every level.</summary>
    public IReadOnlyList<(long Height, long Width)> LevelSizes =>
        Logits.Select(t => (t.shape[2], t.shape[3])).ToArray();

    /// <summary>
    /// Flattened over levels (DESIGN §4 order): logits (N, R, K), box regression (N, R, 4), filter (N, R, 1)
    /// or null, centerness (N, R, 1) or null; R = Σ H_l·W_l. New tensors; the head outputs are not changed.
    /// </summary>
    public (Tensor Logits, Tensor BoxRegression, Tensor? Filter, Tensor? Centerness) Flatten() =>
        (HeadFlattening.FlattenAndConcat(Logits, NumClasses),     // (N, R, K)
         HeadFlattening.FlattenAndConcat(BoxRegression, 4),      // (N, R, 4)
         Filter is null ? null : HeadFlattening.FlattenAndConcat(Filter, 1),             // (N, R, 1)
         Centerness is null ? null : HeadFlattening.FlattenAndConcat(Centerness, 1));    // (N, R, 1)

    /// <summary>Moves every tensor to the enclosing dispose scope (for returning out of a scope).</summary>
    public HeadOutputs MoveToOuterDisposeScope()
    {
        foreach (var t in AllTensors()) t.MoveToOuterDisposeScope();
        return this;
    }

    /// <summary>Detaches every tensor from all dispose scopes (the caller disposes this object).</summary>
    public HeadOutputs DetachFromDisposeScope()
    {
        foreach (var t in AllTensors()) t.DetachFromDisposeScope();
        return this;
    }

    private IEnumerable<Tensor> AllTensors() => Logits.Concat(BoxRegression).Concat(Filter ?? Array.Empty<Tensor>()).Concat(Centerness ?? Array.Empty<Tensor>());

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in AllTensors()) t.Dispose();
    }
}
