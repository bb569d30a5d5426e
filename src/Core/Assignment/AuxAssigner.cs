using Research.Core.Dense;
using Research.Core.Runtime;
using Research.Core.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Assignment;

/// <summary>
/// Auxiliary one-to-many assignment of DeFCN (reference <c>get_aux_ground_truth</c>, fcos.py l.344-429),
/// without gradient. q = sigmoid(cls)^(1−α)·IoU^α (no filter); per GT and level the top-k shifts by q
/// are candidates; threshold = mean + std (unbiased) of the candidates' q; a shift is foreground for the
/// GT if it is a candidate, q ≥ threshold and it lies strictly inside the GT box; a shift claimed by
/// several GTs goes to the one with the highest q (first GT on ties, like torch.max).
/// Only shifts whose predicted box overlaps the GT are evaluated when α &gt; 0 (all others have q = 0
/// exactly); ties at the top-k boundary that could matter are resolved by torch.topk on the dense row,
/// as the reference does. Where the reference crashes we do the sensible thing: a level with fewer
/// than k shifts contributes all its shifts; an image without GT is all background.
/// </summary>
public sealed class AuxAssigner : IAssignmentRule
{
    private readonly double[] _weights;

    /// <summary>Creates the assigner: α as POTO's, top-k per level (model.poto.aux_topk), K classes, box coder.</summary>
    public AuxAssigner(int numClasses, double alpha = 0.8, int topK = 9, Shift2BoxTransform? boxTransform = null)
    {
        if (!(alpha >= 0 && alpha <= 1)) throw new ArgumentException($"model.poto.alpha must be in [0, 1], got {alpha}", nameof(alpha));
        if (topK <= 0) throw new ArgumentException($"model.poto.aux_topk must be positive, got {topK}", nameof(topK));
        if (numClasses <= 0) throw new ArgumentException($"num_classes must be positive, got {numClasses}", nameof(numClasses));
        _weights = (boxTransform ?? new Shift2BoxTransform()).Weights.ToArray();
        Alpha = alpha;
        TopK = topK;
        NumClasses = numClasses;
    }

    /// <summary>α of q = p^(1−α)·IoU^α.</summary>
    public double Alpha { get; }

    /// <summary>Candidates per level and GT.</summary>
    public int TopK { get; }

    /// <summary>Number of classes K (also the background label).</summary>
    public int NumClasses { get; }

    /// <inheritdoc />
    public string Name => "aux";

    /// <summary>As the other overload; the filter logits are not used (the auxiliary quality is sigmoid(cls) only).</summary>
    public ShiftTargets Assign(DensePredictions predictions, IReadOnlyList<DetectionTarget> targets) =>
        Assign(predictions.Logits, predictions.Deltas, predictions.Shifts, predictions.LevelSizes, targets);

    /// <summary>
    /// Assigns a batch: clsLogits (N, R, K), deltas (N, R, 4) (l, t, r, b) pixels, shifts (R, 2) of all
    /// levels (row-major grids of <paramref name="levelSizes"/>), one target per image. Returns (N, R) classes.
    /// </summary>
    public ShiftTargets Assign(Tensor clsLogits, Tensor deltas, Tensor shifts, IReadOnlyList<(int Height, int Width)> levelSizes,
        IReadOnlyList<DetectionTarget> targets)
    {
        var input = new AssignmentInputs(clsLogits, deltas, shifts, levelSizes, targets, NumClasses);
        int N = input.N, R = input.R, K = input.K, L = input.Grid.Levels;
        var grid = input.Grid;
        var pairs = new AuxPairs(input, _weights);
        for (int n = 0; n < N; n++)
            for (int i = 0; i < input.Classes[n].Length; i++)
                for (int l = 0; l < L; l++)
                    pairs.AddLevel(n, i, l, dense: Alpha == 0);

        double[] q;
        using (NewDisposeScope())
            q = PairQuality.Compute(clsLogits.detach().reshape(-1), null, pairs.ClsIndex(K, R), Array.Empty<long>(), pairs.Iou.ToArray(), pairs.Count, Alpha);

        var classes = new long[(long)N * R];
        Array.Fill(classes, K);
        int numFg = 0, numGt = 0, group = 0;
        var kPerLevel = Enumerable.Range(0, L).Select(l => Math.Min(TopK, grid.Heights[l] * grid.Widths[l])).ToArray();
        int kSum = kPerLevel.Sum();
        for (int n = 0; n < N; n++)
        {
            int m = input.Classes[n].Length;
            numGt += m;
            if (m == 0) continue;   // the reference fails here (max over an empty dim); all background
            // the k + 1 best pairs (q desc, shift asc) of each (GT, level) and the top-k values in the reference's order
            var sorted = new int[m, L][];
            var groups = new (int Start, int End)[m, L];
            var topValues = new double[m * kSum];
            for (int i = 0; i < m; i++)
            {
                int col = 0;
                for (int l = 0; l < L; l++, group++)
                {
                    var (s, e) = pairs.Group(group);
                    groups[i, l] = (s, e);
                    var idx = TopEntries(q, s, e, kPerLevel[l] + 1);
                    sorted[i, l] = idx;
                    for (int t = 0; t < kPerLevel[l]; t++) topValues[i * kSum + col + t] = t < idx.Length ? q[idx[t]] : 0.0;
                    col += kPerLevel[l];
                }
            }
            var thr = Threshold(topValues, m, kSum, clsLogits.dtype);

            var bestQ = new double[R];
            var bestGt = new int[R];
            Array.Fill(bestQ, -1.0);
            Array.Fill(bestGt, -1);
            var boxes = input.Boxes[n];
            for (int i = 0; i < m; i++)
            {
                float x1 = boxes[4 * i], y1 = boxes[4 * i + 1], x2 = boxes[4 * i + 2], y2 = boxes[4 * i + 3];
                void Claim(int r, double qr)
                {
                    // foreground iff q ≥ threshold and the shift is strictly inside the GT box (l.395-406)
                    if (!(qr >= thr[i])) return;
                    float sx = grid.X[r], sy = grid.Y[r];
                    if (!(sx - x1 > 0 && sy - y1 > 0 && x2 - sx > 0 && y2 - sy > 0)) return;
                    if (qr > bestQ[r]) { bestQ[r] = qr; bestGt[r] = i; }   // strict: the first GT wins ties
                }
                for (int l = 0; l < L; l++)
                {
                    var idx = sorted[i, l];
                    int k = kPerLevel[l], nl = grid.Heights[l] * grid.Widths[l], start = grid.LevelStart[l];
                    double vk = k - 1 < idx.Length ? q[idx[k - 1]] : 0.0;
                    if (k == nl)
                    {
                        // every shift of the level is a candidate; the ones not listed have q = 0
                        var listed = new HashSet<int>();
                        for (int t = groups[i, l].Start; t < groups[i, l].End; t++) { Claim(pairs.Shift[t], q[t]); listed.Add(pairs.Shift[t]); }
                        for (int r = start; r < start + nl; r++) if (!listed.Contains(r)) Claim(r, 0.0);
                        continue;
                    }
                    double next = k < idx.Length ? q[idx[k]] : 0.0;
                    bool ambiguous = next == vk;
                    if (!ambiguous)
                    {
                        for (int t = 0; t < k && t < idx.Length; t++) Claim(pairs.Shift[idx[t]], q[idx[t]]);
                        continue;      // (k > listed never happens here: then vk = next = 0)
                    }
                    if (vk < thr[i])
                    {
                        // tied shifts cannot pass the threshold: only the ones strictly above the tie matter
                        for (int t = 0; t < idx.Length && q[idx[t]] > vk; t++) Claim(pairs.Shift[idx[t]], q[idx[t]]);
                        continue;
                    }
                    foreach (var (r, qr) in DenseTopK(input, clsLogits, n, i, l, k)) Claim(r, qr);
                }
            }
            for (int r = 0; r < R; r++)
                if (bestGt[r] >= 0) { classes[(long)n * R + r] = input.Classes[n][bestGt[r]]; numFg++; }
        }
        var classT = tensor(classes, new long[] { N, R }, dtype: ScalarType.Int64, device: clsLogits.device);
        return new ShiftTargets(classT, null, numFg, numGt);
    }

    /// <summary>
    /// Indices (into the pair lists) of the best <paramref name="count"/> pairs in [start, end) by q
    /// descending; pairs are listed in increasing shift order, so equal q keep the lower shift first.
    /// </summary>
    private static int[] TopEntries(double[] q, int start, int end, int count)
    {
        int n = Math.Min(count, end - start);
        var top = new int[n];
        int filled = 0;
        for (int t = start; t < end; t++)
        {
            double v = q[t];
            if (filled == n && !(v > q[top[n - 1]])) continue;
            int pos = filled < n ? filled++ : n - 1;
            while (pos > 0 && v > q[top[pos - 1]]) { top[pos] = top[pos - 1]; pos--; }
            top[pos] = t;
        }
        return top;
    }

    /// <summary>Threshold per GT: mean + unbiased std of its (M, Σk) candidate qualities, in the head dtype (l.399-401).</summary>
    private static double[] Threshold(double[] values, int m, int kSum, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var v = tensor(values, new long[] { m, kSum }, dtype: ScalarType.Float64).to(dtype);
        var thr = v.mean(new long[] { 1 }, keepdim: true) + v.std(1, unbiased: true, keepdim: true);
        return HostCopy.Doubles(thr);
    }

    /// <summary>Top-k of one GT's dense quality row over one level, by torch.topk like the reference (l.386-393).</summary>
    private IEnumerable<(int Shift, double Q)> DenseTopK(AssignmentInputs input, Tensor clsLogits, int n, int i, int l, int k)
    {
        var one = new AuxPairs(input, _weights);
        one.AddLevel(n, i, l, dense: true);
        double[] q;
        long[] top;
        using (NewDisposeScope())
        {
            q = PairQuality.Compute(clsLogits.detach().reshape(-1), null, one.ClsIndex(input.K, input.R), Array.Empty<long>(), one.Iou.ToArray(), one.Count, Alpha);
            var (_, indices) = tensor(q, dtype: ScalarType.Float64).to(clsLogits.dtype).topk(k, dim: 0);
            top = HostCopy.Longs(indices);
        }
        return top.Select(t => (one.Shift[(int)t], q[t])).ToList();
    }
}
