using Research.Core.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Assignment;

/// <summary>
/// The paper's foreground-loss rule (official loss...3x_ms fcos.py l.181-293): one-to-one assignment by Hungarian
/// matching that minimises the loss a pair would have as foreground — the classification loss of the shift against
/// the GT's one-hot class, summed over all K classes, plus reg_weight × the GIoU loss of the shift's predicted box
/// against the GT — over the candidates of POTO's centre-sampling prior; pairs outside it cost 1e8, so a GT without
/// candidates is still forced onto a shift, as in the reference. The two loss terms are supplied by the detector
/// (they are its training losses), so the rule stays free of any loss implementation.
/// </summary>
public sealed class ForegroundLossAssigner : PotoAssigner
{
    private const double Infinite = 1e8;   // INF of the reference (exact in float32)
    private readonly Func<Tensor, Tensor?, Tensor, Tensor> _classificationCost;
    private readonly Func<Tensor, Tensor, Tensor> _boxCost;
    private readonly double _boxWeight;

    /// <summary>Creates the rule.</summary>
    /// <param name="strides">Level strides, P3 first.</param>
    /// <param name="numClasses">K.</param>
    /// <param name="centerSamplingRadius">The candidate prior in strides (POTO's; 0 = shifts inside the box).</param>
    /// <param name="classificationCost">(logits (P, K), filter logits (P, 1) or null, one-hot targets (P, K)) → per-element
    /// classification loss (P, K) (summed over K here).</param>
    /// <param name="boxCost">(predicted (P, 4), target (P, 4) l, t, r, b) → per-pair box loss (P).</param>
    /// <param name="boxWeight">Weight of the box loss (model.loss.reg_weight, 2.0).</param>
    public ForegroundLossAssigner(IReadOnlyList<int> strides, int numClasses, double centerSamplingRadius,
        Func<Tensor, Tensor?, Tensor, Tensor> classificationCost, Func<Tensor, Tensor, Tensor> boxCost, double boxWeight = 2.0)
        : base(strides, numClasses, alpha: 0.8, centerSamplingRadius)
    {
        _classificationCost = classificationCost;
        _boxCost = boxCost;
        _boxWeight = boxWeight;
    }

    /// <inheritdoc />
    public override string Name => "loss";

    private protected override double NonCandidateScore => Infinite;

    /// <inheritdoc />
    protected override AssignmentResult Match(SparseAssignmentProblem quality) => LinearAssignment.SolveSparse(quality, maximize: false);

    /// <summary>Per pair: Σ_k cls-loss(shift, onehot(GT class)) + boxWeight · box-loss(predicted ltrb, target ltrb).</summary>
    private protected override double[] PairScores(AssignmentInputs input, Tensor clsLogits, Tensor deltas, Tensor? filterLogits,
        List<int> pairImage, List<int> pairGt, List<int> pairShift, List<float> pairIou)
    {
        int count = pairGt.Count, R = input.R, K = input.K;
        if (count == 0) return Array.Empty<double>();
        var rows = new long[count];
        var onehot = new float[(long)count * K];
        var target = new float[count * 4];
        for (int t = 0; t < count; t++)
        {
            int n = pairImage[t], i = pairGt[t], r = pairShift[t];
            rows[t] = (long)n * R + r;
            onehot[(long)t * K + input.Classes[n][i]] = 1f;
            var b = input.Boxes[n];
            float sx = input.Grid.X[r], sy = input.Grid.Y[r];
            // get_deltas(shift, gt) in float32, as the reference's regression targets
            target[4 * t] = sx - b[4 * i]; target[4 * t + 1] = sy - b[4 * i + 1];
            target[4 * t + 2] = b[4 * i + 2] - sx; target[4 * t + 3] = b[4 * i + 3] - sy;
        }
        using var noGrad = no_grad();
        var device = clsLogits.device;
        var index = tensor(rows, device: device);
        var logits = clsLogits.detach().reshape(-1, K).index_select(0, index);                              // (P, K)
        var filter = filterLogits?.detach().reshape(-1, 1).index_select(0, index);                          // (P, 1)
        var targets = tensor(onehot, new long[] { count, K }, device: device).to(logits.dtype);            // (P, K)
        var predicted = deltas.detach().reshape(-1, 4).index_select(0, index);                             // (P, 4)
        var goal = tensor(target, new long[] { count, 4 }, device: device);                                // (P, 4)
        var cost = _classificationCost(logits, filter, targets).sum(1) + _boxCost(predicted, goal) * _boxWeight;   // (P)
        return HostCopy.Doubles(cost);
    }
}
