using Research.Core.Assignment;
using Research.Core.Data;
using Research.Core.Dense;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Losses;

/// <summary>
/// DeFCN's training objective (reference fcos.py l.138-244): the one-to-one rule's targets (POTO) → focal loss
/// on p = sigmoid(cls)·sigmoid(filter) (on the raw logits when the filter branch is disabled, as the
/// poto...3x_ms folder) plus reg_weight × GIoU on matched shifts, both divided by max(1, #foreground);
/// optionally an auxiliary one-to-many rule's targets → focal loss on the cls logits divided by
/// max(1, #aux foreground). Assignment runs without gradient; the losses reach the predictions.
/// </summary>
public sealed class DefcnCriterion
{
    /// <summary>Creates the criterion from its rules and loss settings.</summary>
    /// <param name="rule">The one-to-one rule (POTO); its targets drive <c>loss_cls</c> and <c>loss_box_reg</c>.</param>
    /// <param name="auxiliaryRule">The one-to-many rule of <c>loss_cls_aux</c> (model.loss.aux), or null for none.</param>
    /// <param name="loss">Focal α/γ and the GIoU weight; null = reference.</param>
    /// <param name="anchors">The anchor rule's anchors: regression and targets are (dx, dy, dw, dh) deltas, decoded to
    /// XYXY boxes before the GIoU (anchor...3x_ms fcos.py l.164-179); null for (l, t, r, b) distances.</param>
    public DefcnCriterion(IAssignmentRule rule, IAssignmentRule? auxiliaryRule = null, DefcnLossOptions? loss = null, AnchorBoxCoder? anchors = null)
    {
        Rule = rule;
        Anchors = anchors;
        AuxiliaryRule = auxiliaryRule;
        Options = loss ?? DefcnLossOptions.Reference;
    }

    /// <summary>The one-to-one assignment rule.</summary>
    public IAssignmentRule Rule { get; }

    /// <summary>The auxiliary one-to-many rule, or null.</summary>
    public IAssignmentRule? AuxiliaryRule { get; }

    /// <summary>The anchor rule's anchors when the box branch predicts anchor deltas, else null.</summary>
    public AnchorBoxCoder? Anchors { get; }

    /// <summary>Loss settings in use.</summary>
    public DefcnLossOptions Options { get; }

    /// <summary>
    /// Losses of a batch: predictions flattened over levels (logits (N, R, K), deltas (N, R, 4), filter (N, R, 1)
    /// or null when 3DMF is disabled, shifts (R, 2)); one target per image (boxes (M, 4) XYXY pixels, classes (M)).
    /// </summary>
    public DetectorLosses Compute(DensePredictions predictions, IReadOnlyList<DetectionTarget> targets)
    {
        int K = predictions.NumClasses;
        double focalAlpha = Options.FocalAlpha, focalGamma = Options.FocalGamma;
        using var scope = NewDisposeScope();
        var cls = predictions.Logits;                                                 // (N, R, K)
        var reg = predictions.Deltas;                                                 // (N, R, 4)
        var fil = predictions.Filter;                                                 // (N, R, 1) or null
        var losses = new Dictionary<string, Tensor>();
        var diag = new Dictionary<string, double>();

        using var main = Rule.Assign(predictions, targets);
        if (main.RegTargets is null) throw new InvalidOperationException($"the one-to-one rule '{Rule.Name}' gave no regression targets");
        var gt = main.Classes.flatten();                                              // (N·R)
        var fg = gt.ge(0).logical_and(gt.ne(K));
        double numFg = main.NumForeground;
        double norm = Math.Max(1.0, numFg);
        var clsFlat = cls.reshape(-1, K);                                             // (N·R, K)
        var target = ClassificationTargets.OneHot(gt, K, cls.dtype);                                        // (N·R, K)
        var valid = gt.ge(0);
        bool allValid = valid.all().item<bool>();
        Tensor lossCls;
        if (fil is not null)
        {
            var p = clsFlat.sigmoid() * fil.reshape(-1, 1).sigmoid();
            lossCls = allValid ? FocalLoss.OnProbabilities(p, target, focalAlpha, focalGamma)
                               : FocalLoss.OnProbabilities(p[valid], target[valid], focalAlpha, focalGamma);
        }
        else
        {
            lossCls = allValid ? FocalLoss.OnLogits(clsFlat, target, focalAlpha, focalGamma)
                               : FocalLoss.OnLogits(clsFlat[valid], target[valid], focalAlpha, focalGamma);
        }
        losses["loss_cls"] = (lossCls / norm).MoveToOuterDisposeScope();
        var regFlat = reg.reshape(-1, 4);                                             // (N·R, 4)
        var regTargets = main.RegTargets.reshape(-1, 4);                              // (N·R, 4)
        Tensor giou;
        if (Anchors is null)
            giou = IouLoss.GIoU(regFlat[fg], regTargets[fg]);
        else
        {
            // Both deltas decoded against their anchors, then GIoU on XYXY boxes (the reference decodes all and keeps the foreground).
            var anchors = Anchors.Anchors(predictions.Shifts, predictions.LevelSizes).repeat(new long[] { predictions.ImageCount, 1 })[fg];   // (F, 4)
            giou = IouLoss.GIoUPerPairXyxy(Anchors.Transform.ApplyDeltas(regFlat[fg], anchors), Anchors.Transform.ApplyDeltas(regTargets[fg], anchors)).sum();
        }
        losses["loss_box_reg"] = (giou / norm * Options.RegWeight).MoveToOuterDisposeScope();
        diag["num_fg_per_gt"] = main.ForegroundPerGt;
        if (main.MatchedIou is not null)
        {
            var ious = main.MatchedIou.SelectMany(x => x).ToArray();
            diag["mean_matched_iou"] = ious.Length > 0 ? ious.Average(x => (double)x) : 0.0;
        }

        if (AuxiliaryRule is not null)
        {
            using var aux = AuxiliaryRule.Assign(predictions, targets);
            var lossAux = ClassificationTargets.FocalOnLogits(clsFlat, aux.Classes.flatten(), focalAlpha, focalGamma);
            losses["loss_cls_aux"] = (lossAux / Math.Max(1.0, aux.NumForeground)).MoveToOuterDisposeScope();
            diag["num_fg_per_gt_aux"] = aux.ForegroundPerGt;
        }
        return new DetectorLosses(losses, diag, main.Matches);
    }
}
