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
        int N = predictions.ImageCount, K = _numClasses;
        var anchors = _anchors.Anchors(predictions.Shifts, predictions.LevelSizes);           // (R, 4)
        var device = anchors.device;
        long R = anchors.shape[0];
        var gts = Targets(predictions, targets, K);
        var allClasses = new List<Tensor>();
        var allReg = new List<Tensor>();
        var matches = new AssignmentResult[N];
        int numFg = 0, numGt = 0;
        for (int n = 0; n < N; n++)
        {
            var (boxes, gtClasses) = gts[n];                                                    // (M, 4), (M)
            long m = boxes.shape[0];
            numGt += (int)m;
            if (m == 0)
            {
                allClasses.Add(full(new long[] { R }, K, dtype: ScalarType.Int64, device: device));
                allReg.Add(zeros(R, 4, device: device));
                matches[n] = new AssignmentResult(Array.Empty<int>(), Array.Empty<int>());
                continue;
            }
            var iou = PairwiseIou(boxes, anchors);                                             // (M, R)
            var best = iou.topk((int)Math.Min(_topK, R), dim: 1).indexes;                      // (M, k)
            var marked = zeros_like(iou, dtype: ScalarType.Bool).scatter_(1, best, ones_like(best, dtype: ScalarType.Bool));
            var (labels, matched) = iou.masked_fill(marked.logical_not(), -1f).max(0);         // (R), (R)
            var fg = labels.ne(-1f);
            allClasses.Add(gtClasses.index_select(0, matched).masked_fill(fg.logical_not(), K));
            allReg.Add(_anchors.Transform.GetDeltas(anchors, boxes.index_select(0, matched)).masked_fill(fg.logical_not().unsqueeze(1), 0f));   // (R, 4)
            matches[n] = Pairs(fg, matched);
            numFg += matches[n].Rows.Length;
        }
        var classT = stack(allClasses, 0).MoveToOuterDisposeScope();                           // (N, R)
        var regT = stack(allReg, 0).MoveToOuterDisposeScope();                                 // (N, R, 4)
        return new ShiftTargets(classT, regT, numFg, numGt, matches);
    }
}
