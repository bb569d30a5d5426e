using Research.Core.Assignment;
using Research.Core.Data;
using Research.Core.Dense;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Losses;

/// <summary>
/// The one-to-many objective of FCOS and ATSS (cvpods meta_arch/fcos.py losses l.158-226; DeFCN's atss.py l.126-195
/// and fcos...wo_ctrness l.122-177): focal loss on the cls logits / max(1, #foreground); with the centerness branch,
/// GIoU weighted by the centerness target, Σ / max(1, Σ centerness targets) × reg_weight (1 in FCOS, 2 in ATSS) and
/// BCE-with-logits of the centerness / max(1, #foreground); without it (wo_ctrness), Σ GIoU / max(1, #foreground)
/// × reg_weight. Assignment runs without gradient.
/// </summary>
public sealed class FcosCriterion
{
    /// <summary>Creates the criterion.</summary>
    /// <param name="rule">The one-to-many rule (<see cref="FcosAssigner"/> or <see cref="AtssAssigner"/>).</param>
    /// <param name="centerness">Whether the head has the centerness branch (its loss and the GIoU weighting).</param>
    /// <param name="regWeight">Weight of the GIoU term (config <c>model.fcos.reg_weight</c> 1.0 / <c>model.atss.reg_weight</c> 2.0).</param>
    /// <param name="focalAlpha">Focal α (0.25).</param>
    /// <param name="focalGamma">Focal γ (2.0).</param>
    public FcosCriterion(IAssignmentRule rule, bool centerness, double regWeight = 1.0, double focalAlpha = 0.25, double focalGamma = 2.0)
    {
        if (!(regWeight >= 0) || double.IsInfinity(regWeight)) throw new ArgumentException($"reg_weight must be ≥ 0, got {regWeight}", nameof(regWeight));
        Rule = rule;
        Centerness = centerness;
        RegWeight = regWeight;
        FocalAlpha = focalAlpha;
        FocalGamma = focalGamma;
    }

    /// <summary>The one-to-many rule.</summary>
    public IAssignmentRule Rule { get; }

    /// <summary>Whether the centerness branch is trained and weights the GIoU.</summary>
    public bool Centerness { get; }

    /// <summary>Weight of the GIoU term.</summary>
    public double RegWeight { get; }

    /// <summary>Focal α.</summary>
    public double FocalAlpha { get; }

    /// <summary>Focal γ.</summary>
    public double FocalGamma { get; }

    /// <summary>
    /// Losses of a batch: predictions flattened over levels (logits (N, R, K), deltas (N, R, 4) (l, t, r, b),
    /// centerness logits (N, R, 1) when <see cref="Centerness"/>, shifts (R, 2)); one target per image (boxes (M, 4)
    /// XYXY pixels, classes (M)). Terms <c>loss_cls</c>, <c>loss_box_reg</c> and <c>loss_centerness</c>.
    /// </summary>
    public DetectorLosses Compute(DensePredictions predictions, IReadOnlyList<DetectionTarget> targets)
    {
        if (Centerness && predictions.Centerness is null)
            throw new ArgumentException("the criterion trains centerness but the head gave no centerness logits");
        int K = predictions.NumClasses;
        using var scope = NewDisposeScope();
        using var assigned = Rule.Assign(predictions, targets);
        if (assigned.RegTargets is null) throw new InvalidOperationException($"the rule '{Rule.Name}' gave no regression targets");
        var gt = assigned.Classes.flatten();                                          // (N·R)
        var fg = gt.ge(0).logical_and(gt.ne(K));
        double norm = Math.Max(1.0, assigned.NumForeground);
        var losses = new Dictionary<string, Tensor>();
        var clsFlat = predictions.Logits.reshape(-1, K);                              // (N·R, K)
        losses["loss_cls"] = (ClassificationTargets.FocalOnLogits(clsFlat, gt, FocalAlpha, FocalGamma) / norm).MoveToOuterDisposeScope();
        var predFg = predictions.Deltas.reshape(-1, 4)[fg];                            // (F, 4)
        var targetFg = assigned.RegTargets.reshape(-1, 4)[fg];                        // (F, 4)
        var giou = IouLoss.GIoUPerPair(predFg, targetFg);                             // (F)
        if (Centerness)
        {
            var ctrTarget = CenternessTarget.Of(targetFg);                            // (F)
            var ctrNorm = Math.Max(1.0, ctrTarget.sum().item<float>());
            losses["loss_box_reg"] = ((giou * ctrTarget).sum() / ctrNorm * RegWeight).MoveToOuterDisposeScope();
            var ctrLogits = predictions.Centerness!.reshape(-1)[fg];                   // (F)
            losses["loss_centerness"] = (nn.functional.binary_cross_entropy_with_logits(ctrLogits, ctrTarget, reduction: nn.Reduction.Sum) / norm).MoveToOuterDisposeScope();
        }
        else
        {
            losses["loss_box_reg"] = (giou.sum() / norm * RegWeight).MoveToOuterDisposeScope();
        }
        var diag = new Dictionary<string, double> { ["num_fg_per_gt"] = assigned.ForegroundPerGt };
        return new DetectorLosses(losses, diag);
    }
}
