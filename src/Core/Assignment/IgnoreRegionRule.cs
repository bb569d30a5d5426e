using Research.Core.Data;
using Research.Core.Dense;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Assignment;

/// <summary>
/// Marks background shifts that lie inside an image's ignore regions (<see cref="DetectionTarget.IgnoreBoxes"/>:
/// COCO <c>iscrowd</c>, CrowdHuman <c>extra.ignore</c>) as ignored (−1), so no loss pushes them towards background;
/// foreground shifts keep their GT. A shift is inside a region when it lies strictly inside the box (all four
/// (l, t, r, b) distances &gt; 0). This is the alternative to the official CrowdHuman variants, which drop the
/// regions before assignment so that they train as background (config <c>input.ignore_regions: ignore</c>).
/// </summary>
public sealed class IgnoreRegionRule : IAssignmentRule
{
    private readonly IAssignmentRule _inner;
    private readonly int _numClasses;

    /// <summary>Wraps <paramref name="inner"/> for a detector of <paramref name="numClasses"/> classes.</summary>
    public IgnoreRegionRule(IAssignmentRule inner, int numClasses)
    {
        _inner = inner;
        _numClasses = numClasses;
    }

    /// <summary>The wrapped rule.</summary>
    public IAssignmentRule Inner => _inner;

    /// <inheritdoc />
    public string Name => _inner.Name;

    /// <inheritdoc />
    public ShiftTargets Assign(DensePredictions predictions, IReadOnlyList<DetectionTarget> targets)
    {
        var result = _inner.Assign(predictions, targets);
        if (targets.All(t => t.IgnoreBoxes is null || t.IgnoreBoxes.shape[0] == 0)) return result;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var shifts = predictions.Shifts;                                                        // (R, 2)
        for (var n = 0; n < targets.Count; n++)
        {
            var regions = targets[n].IgnoreBoxes;
            if (regions is null || regions.shape[0] == 0) continue;
            var boxes = regions.to(ScalarType.Float32).to(shifts.device).unsqueeze(1);          // (G, 1, 4)
            var inside = DenseRuleMath.Deltas(shifts, boxes).min(-1).values.gt(0).any(0);        // (R)
            var row = result.Classes[n];                                                        // (R) view
            row.masked_fill_(inside.logical_and(row.eq(_numClasses)), -1);
        }
        return result;
    }
}
