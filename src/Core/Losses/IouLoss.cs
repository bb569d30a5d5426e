using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Losses;

/// <summary>
/// Generalised IoU loss (Rezatofighi et al. 2019) on (l, t, r, b) distances from a common point, as
/// cvpods iou_loss(box_mode="ltrb", loss_type="giou") computes it (modeling/losses/iou_loss.py
/// l.65-135): boxes rebuilt as (−l, −t, r, b), areas clamped at 0, IoU = inter / max(union, eps),
/// GIoU = IoU − (enclose − union) / max(enclose, eps), loss = 1 − GIoU, eps = float32 machine epsilon
/// whatever the dtype.
/// </summary>
public static class IouLoss
{
    /// <summary>float32 machine epsilon (torch.finfo(torch.float32).eps), used for every dtype.</summary>
    public const double Eps = 1.1920928955078125e-07;

    /// <summary>
    /// Σ (1 − GIoU) over predicted and target distances (P, 4) (l, t, r, b) in pixels (P foreground shifts).
    /// Mixed dtypes promote as in torch (float32 targets with a float64 prediction). Returns a scalar.
    /// </summary>
    public static Tensor GIoU(Tensor pred, Tensor target)
    {
        using var scope = NewDisposeScope();
        return GIoUPerPair(pred, target).sum().MoveToOuterDisposeScope();
    }

    /// <summary>As <see cref="GIoU"/> without the sum: 1 − GIoU of every pair, (P).</summary>
    public static Tensor GIoUPerPair(Tensor pred, Tensor target)
    {
        using var scope = NewDisposeScope();
        var p = cat(new[] { -pred[TensorIndex.Ellipsis, ..2], pred[TensorIndex.Ellipsis, 2..] }, -1);      // (P, 4) XYXY around 0
        var t = cat(new[] { -target[TensorIndex.Ellipsis, ..2], target[TensorIndex.Ellipsis, 2..] }, -1);
        return GIoUPerPairXyxy(p, t).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// 1 − GIoU of every pair of XYXY boxes (P, 4) (cvpods iou_loss with box_mode="xyxy", the anchor rule's loss on
    /// decoded boxes); (P).
    /// </summary>
    public static Tensor GIoUPerPairXyxy(Tensor p, Tensor t)
    {
        using var scope = NewDisposeScope();
        Tensor C(Tensor x, int i) => x[TensorIndex.Ellipsis, i];
        var pArea = (C(p, 2) - C(p, 0)).clamp_min(0) * (C(p, 3) - C(p, 1)).clamp_min(0);
        var tArea = (C(t, 2) - C(t, 0)).clamp_min(0) * (C(t, 3) - C(t, 1)).clamp_min(0);
        var wI = (minimum(C(p, 2), C(t, 2)) - maximum(C(p, 0), C(t, 0))).clamp_min(0);
        var hI = (minimum(C(p, 3), C(t, 3)) - maximum(C(p, 1), C(t, 1))).clamp_min(0);
        var inter = wI * hI;
        var union = tArea + pArea - inter;
        var iou = inter / union.clamp_min(Eps);
        var gW = maximum(C(p, 2), C(t, 2)) - minimum(C(p, 0), C(t, 0));
        var gH = maximum(C(p, 3), C(t, 3)) - minimum(C(p, 1), C(t, 1));
        var enclose = gW * gH;
        var giou = iou - (enclose - union) / enclose.clamp_min(Eps);
        return (1 - giou).MoveToOuterDisposeScope();
    }
}
