using Research.Core.Dense;
using Research.Core.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Assignment;

/// <summary>
/// Prediction-aware one-to-one assignment (POTO, DeFCN paper §3.1; reference <c>get_ground_truth</c>,
/// fcos.py l.246-342), without gradient. For GT i and shift j: p = sigmoid(cls_j[class_i]) ·
/// sigmoid(filter_j) (sigmoid(cls) alone when the filter branch is disabled, as the poto...3x_ms
/// folder does), IoU of the GT with the box predicted at j (float32), q = p^(1−α)·IoU^α for shifts
/// inside the centre-sampling prior and −1 elsewhere, then a maximum-quality one-to-one matching.
/// Only the ~22 prior candidates per GT are evaluated; the solver's sparse path returns exactly the
/// dense matrix's answer, so the result equals the reference's dense computation.
/// </summary>
public class PotoAssigner : IAssignmentRule
{
    private readonly int[] _strides;
    private readonly Shift2BoxTransform _box;
    private readonly double[] _weights;

    /// <summary>
    /// Creates the assigner. <paramref name="alpha"/> ∈ [0, 1] (model.poto.alpha), centre-sampling
    /// radius in strides (model.poto.center_sampling_radius; 0 = shifts strictly inside the box),
    /// level strides (P3 first), K classes, box coder (weights (1, 1, 1, 1) by default).
    /// </summary>
    public PotoAssigner(IReadOnlyList<int> strides, int numClasses, double alpha = 0.8, double centerSamplingRadius = 1.5, Shift2BoxTransform? boxTransform = null)
    {
        if (!(alpha >= 0 && alpha <= 1)) throw new ArgumentException($"model.poto.alpha must be in [0, 1], got {alpha}", nameof(alpha));
        if (!(centerSamplingRadius >= 0)) throw new ArgumentException($"model.poto.center_sampling_radius must be ≥ 0, got {centerSamplingRadius}", nameof(centerSamplingRadius));
        if (numClasses <= 0) throw new ArgumentException($"num_classes must be positive, got {numClasses}", nameof(numClasses));
        _strides = strides.ToArray();
        _box = boxTransform ?? new Shift2BoxTransform();
        _weights = _box.Weights.ToArray();
        Alpha = alpha;
        CenterSamplingRadius = centerSamplingRadius;
        NumClasses = numClasses;
    }

    /// <summary>α of q = p^(1−α)·IoU^α.</summary>
    public double Alpha { get; }

    /// <summary>Centre-sampling radius in strides (0 = inside the box).</summary>
    public double CenterSamplingRadius { get; }

    /// <summary>Number of classes K (K is also the background label).</summary>
    public int NumClasses { get; }

    /// <inheritdoc />
    public virtual string Name => "poto";

    /// <summary>The score of a pair outside the prior: −1 for POTO's quality (fcos.py l.250).</summary>
    private protected virtual double NonCandidateScore => -1.0;

    /// <summary>
    /// Score of every candidate pair (image, GT, shift) of the batch, in pair order; POTO's quality
    /// q = p^(1−α)·IoU^α with p = sigmoid(cls of the GT's class)·sigmoid(filter), in the head dtype (held exactly in double).
    /// </summary>
    private protected virtual double[] PairScores(AssignmentInputs input, Tensor clsLogits, Tensor deltas, Tensor? filterLogits,
        List<int> pairImage, List<int> pairGt, List<int> pairShift, List<float> pairIou)
    {
        int count = pairGt.Count, R = input.R, K = input.K;
        var clsIdx = new long[count];
        var filIdx = new long[count];
        for (int t = 0; t < count; t++)
        {
            long nr = (long)pairImage[t] * R + pairShift[t];
            clsIdx[t] = nr * K + input.Classes[pairImage[t]][pairGt[t]];
            filIdx[t] = nr;
        }
        return PairQuality.Compute(clsLogits.detach().reshape(-1), filterLogits?.detach().reshape(-1), clsIdx, filIdx, pairIou.ToArray(), count, Alpha);
    }

    /// <summary>
    /// The one-to-one matching of one image's quality matrix (M × R, −1 outside the prior): Hungarian, maximising
    /// the total quality (fcos.py l.252, scipy linear_sum_assignment). Pairs sorted by GT.
    /// </summary>
    protected virtual AssignmentResult Match(SparseAssignmentProblem quality) => LinearAssignment.SolveSparse(quality, maximize: true);

    /// <inheritdoc />
    public ShiftTargets Assign(DensePredictions predictions, IReadOnlyList<DetectionTarget> targets) =>
        Assign(predictions.Logits, predictions.Deltas, predictions.Filter, predictions.Shifts, predictions.LevelSizes, targets);

    /// <summary>
    /// Assigns a batch. clsLogits (N, R, K), deltas (N, R, 4) (l, t, r, b) pixels, filterLogits (N, R, 1)
    /// or null, shifts (R, 2) (x, y) float32 of all levels (level l is a row-major H_l × W_l grid, sizes in
    /// <paramref name="levelSizes"/>), one target per image (boxes XYXY pixels). No gradient flows.
    /// </summary>
    public ShiftTargets Assign(Tensor clsLogits, Tensor deltas, Tensor? filterLogits, Tensor shifts,
        IReadOnlyList<(int Height, int Width)> levelSizes, IReadOnlyList<DetectionTarget> targets)
    {
        if (levelSizes.Count != _strides.Length) throw new ArgumentException($"{levelSizes.Count} level sizes for {_strides.Length} strides");
        var input = new AssignmentInputs(clsLogits, deltas, shifts, levelSizes, targets, NumClasses);
        int N = input.N, R = input.R, K = input.K;
        if (filterLogits is not null && (filterLogits.dim() != 3 || filterLogits.shape[0] != N || filterLogits.shape[1] != R || filterLogits.shape[2] != 1))
            throw new ArgumentException($"filter logits must be (N, R, 1) = ({N}, {R}, 1), got ({string.Join(", ", filterLogits.shape)})");
        var grid = input.Grid;
        var invW = _weights;

        // 1. Candidate pairs of every image (centre-sampling prior, fcos.py l.299-314), with their IoU.
        var pairImage = new List<int>();
        var pairGt = new List<int>();
        var pairShift = new List<int>();
        var pairIou = new List<float>();
        Span<float> pb = stackalloc float[4];
        for (int n = 0; n < N; n++)
        {
            var boxes = input.Boxes[n];
            var d = input.Deltas[n];
            int m = input.Classes[n].Length;
            for (int i = 0; i < m; i++)
            {
                float x1 = boxes[4 * i], y1 = boxes[4 * i + 1], x2 = boxes[4 * i + 2], y2 = boxes[4 * i + 3];
                float area1 = BoxMath32.Area(x1, y1, x2, y2);
                for (int l = 0; l < grid.Levels; l++)
                {
                    float bx1 = x1, by1 = y1, bx2 = x2, by2 = y2;
                    if (CenterSamplingRadius > 0)
                    {
                        // centre box clipped to the GT: [max(c − r, x1y1), min(c + r, x2y2)], float32 like torch
                        float rad = (float)(_strides[l] * CenterSamplingRadius);
                        float cx = (x1 + x2) / 2, cy = (y1 + y2) / 2;
                        bx1 = MathF.Max(cx - rad, x1); by1 = MathF.Max(cy - rad, y1);
                        bx2 = MathF.Min(cx + rad, x2); by2 = MathF.Min(cy + rad, y2);
                    }
                    // candidate iff all get_deltas(shift, box) > 0 (strictly inside)
                    var (xlo, xhi) = ShiftGrid.Range(grid.Xs[l], sx => sx - bx1 > 0, sx => bx2 - sx > 0);
                    var (ylo, yhi) = ShiftGrid.Range(grid.Ys[l], sy => sy - by1 > 0, sy => by2 - sy > 0);
                    for (int iy = ylo; iy < yhi; iy++)
                        for (int ix = xlo; ix < xhi; ix++)
                        {
                            int r = grid.LevelStart[l] + iy * grid.Widths[l] + ix;
                            BoxMath32.PredictedBox(grid.X[r], grid.Y[r], d[4 * r], d[4 * r + 1], d[4 * r + 2], d[4 * r + 3], invW, pb);
                            float inter = BoxMath32.Intersection(x1, y1, x2, y2, pb[0], pb[1], pb[2], pb[3]);
                            pairImage.Add(n); pairGt.Add(i); pairShift.Add(r);
                            pairIou.Add(BoxMath32.Iou(inter, area1, BoxMath32.Area(pb[0], pb[1], pb[2], pb[3])));
                        }
                }
            }
        }

        // 2. Score of all candidate pairs of the batch (POTO: the quality, in one gather).
        int count = pairGt.Count;
        double[] q;
        using (NewDisposeScope())
            q = PairScores(input, clsLogits, deltas, filterLogits, pairImage, pairGt, pairShift, pairIou);

        // 3. One-to-one matching per image (maximise q; non-candidates −1), then targets.
        var classes = new long[(long)N * R];
        Array.Fill(classes, K);
        var reg = new float[(long)N * R * 4];
        var matches = new AssignmentResult[N];
        var problems = new SparseAssignmentProblem[N];
        var matchedIou = new float[N][];
        int numGt = 0, t0 = 0;
        for (int n = 0; n < N; n++)
        {
            int m = input.Classes[n].Length;
            numGt += m;
            int t1 = t0;
            while (t1 < count && pairImage[t1] == n) t1++;
            var rowStart = new int[m + 1];
            for (int t = t0; t < t1; t++) rowStart[pairGt[t] + 1]++;
            for (int i = 0; i < m; i++) rowStart[i + 1] += rowStart[i];
            var cols = new int[t1 - t0];
            var vals = new double[t1 - t0];
            for (int t = t0; t < t1; t++) { cols[t - t0] = pairShift[t]; vals[t - t0] = q[t]; }   // pairs are grouped by GT already
            problems[n] = new SparseAssignmentProblem(m, R, NonCandidateScore, rowStart, cols, vals);
            var match = Match(problems[n]);
            matches[n] = match;
            matchedIou[n] = new float[match.Count];
            var boxes = input.Boxes[n];
            var d = input.Deltas[n];
            for (int k = 0; k < match.Count; k++)
            {
                int i = match.Rows[k], r = match.Columns[k];
                float x1 = boxes[4 * i], y1 = boxes[4 * i + 1], x2 = boxes[4 * i + 2], y2 = boxes[4 * i + 3];
                float sx = grid.X[r], sy = grid.Y[r];
                long o = (long)n * R + r;
                classes[o] = input.Classes[n][i];
                reg[4 * o] = (sx - x1) * (float)_weights[0];
                reg[4 * o + 1] = (sy - y1) * (float)_weights[1];
                reg[4 * o + 2] = (x2 - sx) * (float)_weights[2];
                reg[4 * o + 3] = (y2 - sy) * (float)_weights[3];
                BoxMath32.PredictedBox(sx, sy, d[4 * r], d[4 * r + 1], d[4 * r + 2], d[4 * r + 3], invW, pb);
                matchedIou[n][k] = BoxMath32.Iou(BoxMath32.Intersection(x1, y1, x2, y2, pb[0], pb[1], pb[2], pb[3]),
                    BoxMath32.Area(x1, y1, x2, y2), BoxMath32.Area(pb[0], pb[1], pb[2], pb[3]));
            }
            t0 = t1;
        }
        var device = clsLogits.device;
        var classT = tensor(classes, new long[] { N, R }, dtype: ScalarType.Int64, device: device);
        var regT = tensor(reg, new long[] { N, R, 4 }, dtype: ScalarType.Float32, device: device);
        return new ShiftTargets(classT, regT, matches.Sum(m => m.Count), numGt, matches, matchedIou, problems);
    }
}
