using Research.Core.Data;
using Research.Core.Dense;
using TorchSharp;
using static TorchSharp.torch;
using static Research.Core.Assignment.DenseRuleMath;

namespace Research.Core.Assignment;

/// <summary>
/// The paper's anchor rule (official anchor...3x_ms fcos.py get_ground_truth l.186-260), a hand-designed one-to-one
/// rule that ignores the predictions: one square anchor per location (<see cref="AnchorBoxCoder"/>); each GT marks its
/// IOU_TOPK (1) best-IoU anchors over all levels jointly; an anchor marked by several GTs goes to the one of highest
/// IoU (the first on a tie), the others get nothing there. A marked anchor is foreground even at IoU 0. Regression
/// targets are (dx, dy, dw, dh) to the GT (Box2BoxTransform, weights 1). 0 GT: all background (the reference fails).
/// </summary>
public sealed class AnchorRuleAssigner : IAssignmentRule
{
    private readonly AnchorBoxCoder _anchors;
    private readonly int _numClasses;
    private readonly int _topK;

    /// <summary>Creates the rule for anchors of <paramref name="anchors"/>, K classes, IOU_TOPK anchors per GT.</summary>
    public AnchorRuleAssigner(AnchorBoxCoder anchors, int numClasses, int iouTopK = 1)
    {
        if (numClasses < 1) throw new ArgumentException($"num_classes must be positive, got {numClasses}", nameof(numClasses));
        if (iouTopK < 1) throw new ArgumentException($"the anchor rule's IoU top-k must be ≥ 1, got {iouTopK}", nameof(iouTopK));
        _anchors = anchors;
        _numClasses = numClasses;
        _topK = iouTopK;
    }

    /// <summary>The anchors and their delta coding.</summary>
    public AnchorBoxCoder Coder => _anchors;

    /// <inheritdoc />
    public string Name => "anchor";

    /// <inheritdoc />
    public ShiftTargets Assign(DensePredictions predictions, IReadOnlyList<DetectionTarget> targets)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var anchors = _anchors.Anchors(predictions.Shifts, predictions.LevelSizes);           // (R, 4)
        var result = AssignPerImage(predictions, targets, _numClasses, boxes =>
        {
            var iou = PairwiseIou(boxes, anchors);                                             // (M, R)
            var best = iou.topk((int)Math.Min(_topK, anchors.shape[0]), dim: 1).indexes;       // (M, k)
            var marked = zeros_like(iou, dtype: ScalarType.Bool).scatter_(1, best, ones_like(best, dtype: ScalarType.Bool));
            var (labels, matched) = iou.masked_fill(marked.logical_not(), -1f).max(0);         // (R), (R)
            return (matched, labels.ne(-1f));
        }, matchedBoxes => _anchors.Transform.GetDeltas(anchors, matchedBoxes));
        result.Classes.MoveToOuterDisposeScope();
        result.RegTargets!.MoveToOuterDisposeScope();
        return result;
    }
}
