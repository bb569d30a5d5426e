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
    /// both arrays start at −1.
    /// </summary>
    public static void Accumulate(EvaluationLayout layout, int k, byte[] codes, int[] positives, double[] precision, double[] recall)
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

        var kept = new int[sorted.Length];
        var rc = new double[sorted.Length];
        var pr = new double[sorted.Length];
        for (var mi = 0; mi < mCount; mi++)
        {
            var nd = 0;
            foreach (var slot in sorted)
                if (layout.DetRank[slot] < maxDets[mi]) kept[nd++] = slot;
            for (var a = 0; a < areaCount; a++)
            {
                var npig = 0;
                for (var e = e0; e < e1; e++) npig += positives[e * areaCount + a];
                if (npig == 0) continue; // no positives: −1
                for (var ti = 0; ti < t; ti++)
                {
                    long tp = 0, fp = 0;
                    for (var j = 0; j < nd; j++)
                    {
                        var code = codes[(kept[j] * areaCount + a) * t + ti];
                        if (code == ImageCategoryMatcher.TruePositive) tp++;
                        else if (code == ImageCategoryMatcher.FalsePositive) fp++;
                        double tpd = tp, fpd = fp;
                        rc[j] = tpd / npig;
                        pr[j] = tpd / (fpd + tpd + Eps);
                    }
                    recall[((ti * kCount + k) * areaCount + a) * mCount + mi] = nd > 0 ? rc[nd - 1] : 0;
                    for (var i = nd - 1; i > 0; i--)
                        if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
                    // searchsorted(rc, recThrs, 'left'); once past the end, that and all later thresholds stay 0.
                    var jr = 0;
                    for (var ri = 0; ri < r; ri++)
                    {
                        while (jr < nd && rc[jr] < recThrs[ri]) jr++;
                        precision[(((ti * r + ri) * kCount + k) * areaCount + a) * mCount + mi] = jr < nd ? pr[jr] : 0;
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
