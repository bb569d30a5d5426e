using Research.Core.Dense;
using Research.Core.Assignment;
using Research.Core.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Tests.Assignment;

/// <summary>
/// The reference's dense formulation (M × R quality matrices, fcos.py l.246-429) written with torch ops,
/// for checking that the sparse production assigners return exactly the dense result.
/// </summary>
internal static class DenseReferenceAssignment
{
    /// <summary>Dense quality (M, R) of image n: p^(1−α)·IoU^α with IoU in float32 (cvpods pairwise_iou).</summary>
    public static Tensor Quality(Tensor cls, Tensor reg, Tensor? fil, Tensor shifts, Tensor boxes, Tensor classes, int n, double alpha)
    {
        var p = cls[n].sigmoid();                                       // (R, K)
        if (fil is not null) p = p * fil[n].sigmoid();
        var prob = p.index_select(1, classes).t();                      // (M, R)
        var pred = new Shift2BoxTransform().ApplyDeltas(reg[n], shifts).to(ScalarType.Float32);   // (R, 4)
        var iou = PairwiseIou(boxes, pred);
        return prob.pow(1 - alpha) * iou.pow(alpha);
    }

    public static Tensor PairwiseIou(Tensor b1, Tensor b2)
    {
        var a1 = (b1[.., 2] - b1[.., 0]) * (b1[.., 3] - b1[.., 1]);
        var a2 = (b2[.., 2] - b2[.., 0]) * (b2[.., 3] - b2[.., 1]);
        var wh = (minimum(b1.unsqueeze(1)[.., .., 2..], b2[.., 2..]) - maximum(b1.unsqueeze(1)[.., .., ..2], b2[.., ..2])).clamp_min(0);
        var inter = wh[.., .., 0] * wh[.., .., 1];
        return where(inter.gt(0), inter / (a1.unsqueeze(1) + a2 - inter), zeros(1, dtype: inter.dtype));
    }

    /// <summary>Strictly-inside mask (M, R) of shifts in the boxes.</summary>
    public static Tensor Inside(Tensor shifts, Tensor boxes) =>
        new Shift2BoxTransform().GetDeltas(shifts, boxes.unsqueeze(1)).min(-1).values.gt(0);

    /// <summary>POTO matches of image n: dense matrix, −1 outside the prior, dense solver.</summary>
    public static AssignmentResult Poto(Tensor cls, Tensor reg, Tensor? fil, Tensor[] levelShifts, int[] strides, Tensor boxes, Tensor classes, int n, double alpha, double radius)
    {
        using var scope = NewDisposeScope();
        if (boxes.shape[0] == 0) return new AssignmentResult(Array.Empty<int>(), Array.Empty<int>());
        var shifts = cat(levelShifts, 0);
        var q = Quality(cls, reg, fil, shifts, boxes, classes, n, alpha).clone();
        Tensor inside;
        if (radius > 0)
        {
            var centers = (boxes[.., ..2] + boxes[.., 2..]) / 2;
            var parts = new List<Tensor>();
            for (int l = 0; l < strides.Length; l++)
            {
                var r = strides[l] * radius;
                var cb = cat(new[] { maximum(centers - r, boxes[.., ..2]), minimum(centers + r, boxes[.., 2..]) }, -1);
                parts.Add(new Shift2BoxTransform().GetDeltas(levelShifts[l], cb.unsqueeze(1)).min(-1).values.gt(0));
            }
            inside = cat(parts.ToArray(), 1);
        }
        else inside = Inside(shifts, boxes);
        q[inside.logical_not()] = -1;
        int m = (int)q.shape[0], rr = (int)q.shape[1];
        return LinearAssignment.Solve(q.to(ScalarType.Float64).data<double>().ToArray(), m, rr, maximize: true);
    }

    /// <summary>Aux class targets (R) of image n, with top-k clamped to the level size.</summary>
    public static long[] Aux(Tensor cls, Tensor reg, Tensor[] levelShifts, Tensor boxes, Tensor classes, int n, double alpha, int topK, int k)
    {
        using var scope = NewDisposeScope();
        var shifts = cat(levelShifts, 0);
        int R = (int)shifts.shape[0];
        var result = Enumerable.Repeat((long)k, R).ToArray();
        if (boxes.shape[0] == 0) return result;
        var q = Quality(cls, reg, null, shifts, boxes, classes, n, alpha).clone();
        var cand = new List<Tensor>();
        long st = 0;
        foreach (var s in levelShifts)
        {
            long ed = st + s.shape[0];
            var (_, idx) = q[.., (int)st..(int)ed].topk((int)Math.Min(topK, ed - st), dim: 1);
            cand.Add(idx + st);
            st = ed;
        }
        var ci = cat(cand.ToArray(), 1);
        var inside = Inside(shifts, boxes);
        var cq = q.gather(1, ci);
        var thr = cq.mean(new long[] { 1 }, keepdim: true) + cq.std(1, unbiased: true, keepdim: true);
        var fg = zeros_like(inside).scatter(1, ci, ones_like(ci, dtype: ScalarType.Bool)).logical_and(q.ge(thr));
        q[inside.logical_not()] = -1;
        q[fg.logical_not()] = -1;
        var (maxQ, argGt) = q.max(0);
        var mq = maxQ.to(ScalarType.Float64).data<double>().ToArray();
        var ag = argGt.data<long>().ToArray();
        var cl = classes.data<long>().ToArray();
        for (int r = 0; r < R; r++) if (mq[r] != -1) result[r] = cl[ag[r]];
        return result;
    }
}
