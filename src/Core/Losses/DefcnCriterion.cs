using Research.Core.Assignment;
using Research.Core.Data;
using Research.Core.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Losses;

/// <summary>
/// DeFCN's training objective (reference fcos.py l.138-244): POTO one-to-one targets → focal loss on
/// p = sigmoid(cls)·sigmoid(filter) (on the raw logits when the filter branch is disabled, as the
/// poto...3x_ms folder) plus reg_weight × GIoU on matched shifts, both divided by max(1, #foreground);
/// optionally the auxiliary one-to-many targets → focal loss on the cls logits divided by
/// max(1, #aux foreground). Assignment runs without gradient; the losses reach the head outputs.
/// </summary>
public sealed class DefcnCriterion
{
    private readonly PotoAssigner _poto;
    private readonly AuxAssigner? _aux;

    /// <summary>
    /// Creates the criterion. Assignment: <paramref name="alpha"/> (model.poto.alpha),
    /// <paramref name="centerSamplingRadius"/>, <paramref name="auxTopK"/>; loss: focal α/γ,
    /// <paramref name="regWeight"/>, <paramref name="auxEnabled"/> (model.loss.aux); K classes and level
    /// strides (P3 first).
    /// </summary>
    public DefcnCriterion(int numClasses, IReadOnlyList<int> strides, double alpha = 0.8, double centerSamplingRadius = 1.5,
        int auxTopK = 9, double focalAlpha = 0.25, double focalGamma = 2.0, double regWeight = 2.0, bool auxEnabled = true,
        Shift2BoxTransform? boxTransform = null)
    {
        if (strides.Count == 0) throw new ArgumentException("at least one level stride is needed", nameof(strides));
        NumClasses = numClasses;
        Strides = strides.ToArray();
        FocalAlpha = focalAlpha;
        FocalGamma = focalGamma;
        RegWeight = regWeight;
        _poto = new PotoAssigner(strides, numClasses, alpha, centerSamplingRadius, boxTransform);
        _aux = auxEnabled ? new AuxAssigner(numClasses, alpha, auxTopK, boxTransform) : null;
    }

    /// <summary>Number of classes K.</summary>
    public int NumClasses { get; }

    /// <summary>Level strides, P3 first.</summary>
    public IReadOnlyList<int> Strides { get; }

    /// <summary>Focal loss α.</summary>
    public double FocalAlpha { get; }

    /// <summary>Focal loss γ.</summary>
    public double FocalGamma { get; }

    /// <summary>Weight of the GIoU loss.</summary>
    public double RegWeight { get; }

    /// <summary>Whether <c>loss_cls_aux</c> is computed.</summary>
    public bool AuxEnabled => _aux is not null;

    /// <summary>
    /// Losses of a batch. Per level l (P3 first): logits (N, K, H_l, W_l), bboxReg (N, 4, H_l, W_l)
    /// (l, t, r, b) pixels, filter (N, 1, H_l, W_l) or a null list when 3DMF is disabled, shifts
    /// (H_l·W_l, 2) (x, y) float32 (ShiftGenerator); one target per image (boxes (M, 4) XYXY pixels,
    /// classes (M)).
    /// </summary>
    public DefcnLossOutput Compute(IReadOnlyList<Tensor> logits, IReadOnlyList<Tensor> bboxReg, IReadOnlyList<Tensor>? filter,
        IReadOnlyList<Tensor> shifts, IReadOnlyList<DetectionTarget> targets)
    {
        int L = Strides.Count;
        if (logits.Count != L || bboxReg.Count != L || shifts.Count != L || (filter != null && filter.Count != L))
            throw new ArgumentException($"expected {L} levels of logits, bbox_reg{(filter != null ? ", filter" : "")} and shifts; got {logits.Count}, {bboxReg.Count}{(filter != null ? $", {filter.Count}" : "")} and {shifts.Count}");
        var sizes = logits.Select(t => ((int)t.shape[2], (int)t.shape[3])).ToArray();
        int K = NumClasses;
        using var scope = NewDisposeScope();
        var cls = HeadFlattening.FlattenAndConcat(logits, K);                         // (N, R, K)
        var reg = HeadFlattening.FlattenAndConcat(bboxReg, 4);                        // (N, R, 4)
        var fil = filter is null ? null : HeadFlattening.FlattenAndConcat(filter, 1); // (N, R, 1)
        var allShifts = cat(shifts.ToArray(), 0);                                     // (R, 2)
        var losses = new Dictionary<string, Tensor>();
        var diag = new Dictionary<string, double>();

        using var poto = _poto.Assign(cls, reg, fil, allShifts, sizes, targets);
        var gt = poto.Classes.flatten();                                              // (N·R)
        var fg = gt.ge(0).logical_and(gt.ne(K));
        double numFg = poto.NumForeground;
        double norm = Math.Max(1.0, numFg);
        var clsFlat = cls.reshape(-1, K);                                             // (N·R, K)
        var target = OneHot(gt, K, cls.dtype);                                        // (N·R, K)
        var valid = gt.ge(0);
        bool allValid = valid.all().item<bool>();
        Tensor lossCls;
        if (fil is not null)
        {
            var p = clsFlat.sigmoid() * fil.reshape(-1, 1).sigmoid();
            lossCls = allValid ? FocalLoss.OnProbabilities(p, target, FocalAlpha, FocalGamma)
                               : FocalLoss.OnProbabilities(p[valid], target[valid], FocalAlpha, FocalGamma);
        }
        else
        {
            lossCls = allValid ? FocalLoss.OnLogits(clsFlat, target, FocalAlpha, FocalGamma)
                               : FocalLoss.OnLogits(clsFlat[valid], target[valid], FocalAlpha, FocalGamma);
        }
        losses["loss_cls"] = (lossCls / norm).MoveToOuterDisposeScope();
        var regFlat = reg.reshape(-1, 4);                                             // (N·R, 4)
        var regTargets = poto.RegTargets.reshape(-1, 4);
        losses["loss_box_reg"] = (IouLoss.GIoU(regFlat[fg], regTargets[fg]) / norm * RegWeight).MoveToOuterDisposeScope();
        diag["num_fg_per_gt"] = poto.NumGt > 0 ? numFg / poto.NumGt : 0.0;
        var ious = poto.MatchedIou.SelectMany(x => x).ToArray();
        diag["mean_matched_iou"] = ious.Length > 0 ? ious.Average(x => (double)x) : 0.0;

        if (_aux is not null)
        {
            using var aux = _aux.Assign(cls, reg, allShifts, sizes, targets);
            var auxGt = aux.Classes.flatten();
            var auxTarget = OneHot(auxGt, K, cls.dtype);
            var auxValid = auxGt.ge(0);
            var lossAux = auxValid.all().item<bool>()
                ? FocalLoss.OnLogits(clsFlat, auxTarget, FocalAlpha, FocalGamma)
                : FocalLoss.OnLogits(clsFlat[auxValid], auxTarget[auxValid], FocalAlpha, FocalGamma);
            losses["loss_cls_aux"] = (lossAux / Math.Max(1.0, aux.NumForeground)).MoveToOuterDisposeScope();
            diag["num_fg_per_gt_aux"] = aux.NumGt > 0 ? (double)aux.NumForeground / aux.NumGt : 0.0;
        }
        return new DefcnLossOutput(losses, diag, poto.Matches);
    }

    /// <summary>(P) labels in −1..K → (P, K) one-hot targets (zeros for background K and ignore −1).</summary>
    private static Tensor OneHot(Tensor labels, int k, ScalarType dtype)
    {
        var l = labels.where(labels.ge(0), k);                                        // ignore → background row
        return nn.functional.one_hot(l, k + 1)[TensorIndex.Colon, ..k].to(dtype);
    }
}
