using Research.Core.Runtime;
using static TorchSharp.torch;

namespace Research.Core.Losses;

/// <summary>
/// FCOS's centerness target (cvpods meta_arch/fcos.py l.322-328): for (l, t, r, b) regression targets,
/// sqrt(clamp(min(l, r)/max(l, r), 0) · clamp(min(t, b)/max(t, b), 0)) — 1 at the box centre, towards 0 at its border.
/// </summary>
public static class CenternessTarget
{
    /// <summary>Targets (..., 4) (l, t, r, b) → centerness (...) in [0, 1].</summary>
    public static Tensor Of(Tensor regTargets)
    {
        using var scope = NewDisposeScope();
        var leftRight = stack(new[] { regTargets[TensorIndex.Ellipsis, 0], regTargets[TensorIndex.Ellipsis, 2] }, -1);
        var topBottom = stack(new[] { regTargets[TensorIndex.Ellipsis, 1], regTargets[TensorIndex.Ellipsis, 3] }, -1);
        var lr = (leftRight.min(-1).values / leftRight.max(-1).values).clamp_min(0);
        var tb = (topBottom.min(-1).values / topBottom.max(-1).values).clamp_min(0);
        return CorrectlyRounded.Sqrt(lr * tb).MoveToOuterDisposeScope();
    }
}
