using System.Runtime.CompilerServices;
namespace Research.Core.Evaluation;

/// <summary>
/// pycocotools' <c>evaluateImg</c> for one (image, category) entry and every area range and IoU threshold:
/// greedy matching of score-sorted detections to GT (non-ignored GT first), crowd GT reusable, then the
/// outcome of each detection (notes/coco-eval-reference.md §4), annotation id 0 included (§1). The outcome is all that accumulate needs.
/// </summary>
internal static class ImageCategoryMatcher
{
    /// <summary>Bit of threshold t in an outcome word: TP at bit t, FP at bit 16 + t, neither = ignored.</summary>
    public const int FalsePositiveShift = 16;

    /// <summary>Per-thread buffers, grown on demand.</summary>
    public sealed class Scratch
    {
        public double[] Ious = new double[256];
        public int[] Order = new int[16];
        public bool[] IgnoredAt = new bool[16];
        public bool[] Matched = new bool[16];

        public void Ensure(int d, int g)
        {
            if (Ious.Length < d * g) Ious = new double[Math.Max(d * g, Ious.Length * 2)];
            if (Order.Length < g) { Order = new int[g * 2]; IgnoredAt = new bool[g * 2]; Matched = new bool[g * 2]; }
        }
    }

    /// <summary>
    /// Writes the outcome word <paramref name="outcomes"/>[slot·A + a] (TP bits 0..T−1, FP bits 16..16+T−1) for
    /// every detection slot of entry <paramref name="e"/> and area range a, and the count of non-ignored GT per
    /// area range into <paramref name="positives"/>[e·A + a].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: skip the slow tier-0 code of tiered JIT
    public static void Evaluate(EvaluationLayout layout, int e, Scratch s, uint[] outcomes, int[] positives)
    {
        var thresholds = CocoEvalParameters.IouThresholds;
        var ranges = CocoEvalParameters.AreaRanges;
        int t = thresholds.Count, areaCount = ranges.Count;
        int g0 = layout.GtStart[e], gCount = layout.GtCount[e], d0 = layout.DetStart[e], dCount = layout.DetCount[e];
        s.Ensure(dCount, gCount);
        var gtBoxes = layout.GtBoxes; var detBoxes = layout.DetBoxes; var crowd = layout.GtCrowd; var idZero = layout.GtIdZero;

        // computeIoU: rows follow the score order, columns the GT file order.
        var ious = s.Ious;
        for (var d = 0; d < dCount; d++)
        {
            var db = (d0 + d) * 4;
            for (var g = 0; g < gCount; g++)
            {
                var gb = (g0 + g) * 4;
                ious[d * gCount + g] = BoxIou.Compute(detBoxes[db], detBoxes[db + 1], detBoxes[db + 2], detBoxes[db + 3],
                    gtBoxes[gb], gtBoxes[gb + 1], gtBoxes[gb + 2], gtBoxes[gb + 3], crowd[g0 + g]);
            }
        }

        for (var a = 0; a < areaCount; a++)
        {
            var (_, lo, hi) = ranges[a];
            for (var d = 0; d < dCount; d++) outcomes[(d0 + d) * areaCount + a] = 0;
            // GT ignored when crowd or outside the range (by the area field); stable: non-ignored first.
            var order = s.Order; var ignoredAt = s.IgnoredAt;
            var n = 0;
            for (var g = 0; g < gCount; g++)
                if (!IsIgnored(layout, g0 + g, lo, hi)) { order[n] = g; ignoredAt[n] = false; n++; }
            positives[e * areaCount + a] = n;
            for (var g = 0; g < gCount; g++)
                if (IsIgnored(layout, g0 + g, lo, hi)) { order[n] = g; ignoredAt[n] = true; n++; }

            for (var ti = 0; ti < t; ti++)
            {
                var matched = s.Matched;
                Array.Clear(matched, 0, gCount);
                var start = Math.Min(thresholds[ti], 1 - 1e-10);
                for (var d = 0; d < dCount; d++)
                {
                    var best = start;
                    var m = -1;
                    var row = d * gCount;
                    for (var p = 0; p < gCount; p++)
                    {
                        var g = order[p];
                        if (matched[p] && !crowd[g0 + g]) continue;          // used, and not a crowd
                        if (m > -1 && !ignoredAt[m] && ignoredAt[p]) break;  // found a real GT; the rest are ignored ones
                        var iou = ious[row + g];
                        if (iou < best) continue;
                        best = iou;                                          // >= : among equal IoUs the later GT wins
                        m = p;
                    }
                    uint bit = 0;
                    // pycocotools stores a match as the GT's id and reads id 0 as "unmatched": a detection matched
                    // to GT id 0 scores as unmatched (that GT is still used up), which papers' numbers include.
                    var unmatched = m == -1 || (!ignoredAt[m] && idZero[g0 + order[m]]);
                    if (m != -1) matched[m] = true;
                    if (unmatched)
                    {
                        // Unmatched detections outside the range (by their own box area) are ignored.
                        var db = (d0 + d) * 4;
                        var area = detBoxes[db + 2] * detBoxes[db + 3];
                        if (!(area < lo || area > hi)) bit = 1u << (FalsePositiveShift + ti);
                    }
                    else if (!ignoredAt[m])
                    {
                        bit = 1u << ti;
                    }
                    outcomes[(d0 + d) * areaCount + a] |= bit;
                }
            }
        }
    }

    private static bool IsIgnored(EvaluationLayout layout, int g, double lo, double hi)
    {
        var area = layout.GtArea[g];
        return layout.GtCrowd[g] || area < lo || area > hi;
    }
}
