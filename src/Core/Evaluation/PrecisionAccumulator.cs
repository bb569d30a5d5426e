using System.Runtime.CompilerServices;

namespace Research.Core.Evaluation;

/// <summary>
/// pycocotools' <c>accumulate</c> for one category: detections of all its entries (first maxDet per image, in
/// ascending image id) stable-sorted by descending score, cumulative TP/FP, precision with eps, the right-to-left
/// envelope and the 101-point lookup (notes/coco-eval-reference.md §5). Precision and recall stay −1 when the
/// category has no entry or no non-ignored GT in the range.
/// </summary>
internal static class PrecisionAccumulator
{
    /// <summary>numpy's <c>np.spacing(1)</c>, added to the precision denominator by pycocotools.</summary>
    private const double Eps = 2.220446049250313e-16;

    /// <summary>
    /// Fills precision[t, r, k, a, m] (flat, C order) and recall[t, k, a, m] for category <paramref name="k"/>;
    /// both arrays start at −1. <paramref name="outcomes"/> holds, per (detection slot, area range), the TP bits
    /// (0..T−1) and FP bits (16..16+T−1) of <see cref="ImageCategoryMatcher"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: skip the slow tier-0 code of tiered JIT
    public static void Accumulate(EvaluationLayout layout, int k, uint[] outcomes, int[] positives, double[] precision, double[] recall)
    {
        var recThrs = CocoEvalParameters.RecallThresholds;
        var maxDets = CocoEvalParameters.MaxDetections;
        int t = CocoEvalParameters.IouThresholds.Count, r = recThrs.Count, kCount = layout.CategoryCount;
        int areaCount = CocoEvalParameters.AreaRanges.Count, mCount = maxDets.Count;
        int e0 = layout.CategoryEntryStart[k], e1 = layout.CategoryEntryStart[k + 1];
        if (e0 == e1) return; // no GT and no detection at all: −1

        // Slots of consecutive entries are consecutive, in (image id, rank) order: a stable sort of the slot
        // range by descending score reproduces numpy's mergesort of the concatenation; the maxDets cut is a
        // filter of that order, since a stable sort of a subsequence is the subsequence of the stable sort.
        int s0 = layout.DetStart[e0], s1 = e1 < layout.EntryCount ? layout.DetStart[e1] : layout.DetSlotCount;
        var sorted = new int[s1 - s0];
        for (var i = 0; i < sorted.Length; i++) sorted[i] = s0 + i;
        sorted.AsSpan().Sort(new ScoreThenSlot(layout.DetScore));

        var npig = new int[areaCount];
        for (var e = e0; e < e1; e++)
            for (var a = 0; a < areaCount; a++) npig[a] += positives[e * areaCount + a];
        // pycocotools computes rc and pr at every detection. Only true positives matter: rc rises only there, so
        // every searchsorted hit is one (or index 0 for threshold 0, where the envelope is the overall maximum),
        // and pr after an FP or ignored detection never exceeds pr at the last TP before it (same tp, larger or
        // equal denominator; division is monotone), so the right-to-left maximum over all detections equals the
        // maximum over TPs. The TP/FP counts and formulas are the same, hence the same doubles.
        // A TP matches a distinct non-ignored GT, so there are at most npig[a] of them per (a, t).
        var rcAtTp = new double[areaCount * t][];
        var prAtTp = new double[areaCount * t][];
        for (var a = 0; a < areaCount; a++)
            for (var ti = 0; ti < t; ti++) { rcAtTp[a * t + ti] = new double[npig[a]]; prAtTp[a * t + ti] = new double[npig[a]]; }
        var tp = new int[areaCount * t];
        var fp = new int[areaCount * t];

        for (var mi = 0; mi < mCount; mi++)
        {
            var maxDet = maxDets[mi];
            Array.Clear(tp);
            Array.Clear(fp);
            foreach (var slot in sorted)
            {
                if (layout.DetRank[slot] >= maxDet) continue;
                for (var a = 0; a < areaCount; a++)
                {
                    var bits = outcomes[slot * areaCount + a];
                    if (bits == 0) continue; // ignored at every threshold
                    var o = a * t;
                    for (var ti = 0; ti < t; ti++)
                    {
                        fp[o + ti] += (int)(bits >> (16 + ti)) & 1;
                        if ((bits & (1u << ti)) == 0) continue;
                        double tpd = ++tp[o + ti], fpd = fp[o + ti];
                        rcAtTp[o + ti][tp[o + ti] - 1] = tpd / npig[a];
                        prAtTp[o + ti][tp[o + ti] - 1] = tpd / (fpd + tpd + Eps);
                    }
                }
            }
            for (var a = 0; a < areaCount; a++)
            {
                if (npig[a] == 0) continue; // no positives: −1
                for (var ti = 0; ti < t; ti++)
                {
                    int n = tp[a * t + ti];
                    double[] rc = rcAtTp[a * t + ti], pr = prAtTp[a * t + ti];
                    recall[((ti * kCount + k) * areaCount + a) * mCount + mi] = (double)n / npig[a]; // rc[-1], or 0 without detections
                    for (var i = n - 1; i > 0; i--)
                        if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
                    // searchsorted(rc, recThrs, 'left'); once past the end, that and all later thresholds stay 0.
                    var j = 0;
                    for (var ri = 0; ri < r; ri++)
                    {
                        while (j < n && rc[j] < recThrs[ri]) j++;
                        precision[(((ti * r + ri) * kCount + k) * areaCount + a) * mCount + mi] = j < n ? pr[j] : 0;
                    }
                }
            }
        }
    }

    private readonly struct ScoreThenSlot(double[] scores) : IComparer<int>
    {
        public int Compare(int a, int b)
        {
            double sa = scores[a], sb = scores[b];
            if (sa > sb) return -1;
            if (sa < sb) return 1;
            return a.CompareTo(b);
        }
    }
}
