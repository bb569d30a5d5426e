using System.Runtime.CompilerServices;
namespace Research.Core.Evaluation;

/// <summary>
/// Ground truth and detections grouped by (category, image), the unit pycocotools evaluates: one entry per pair
/// holding at least one GT or detection, entries sorted by category index then ascending image id. GT keep
/// file order inside an entry; detections are stable-sorted by descending score and cut to the largest maxDet
/// (100), exactly as computeIoU/evaluateImg do. Everything is copied into flat arrays in entry order so the
/// per-entry and per-category passes touch contiguous memory.
/// </summary>
internal sealed class EvaluationLayout
{
    public required int CategoryCount { get; init; }
    /// <summary>Entry range of category k: [CategoryEntryStart[k], CategoryEntryStart[k + 1]).</summary>
    public required int[] CategoryEntryStart { get; init; }
    public required int[] GtStart { get; init; }
    public required int[] GtCount { get; init; }
    public required int[] DetStart { get; init; }
    public required int[] DetCount { get; init; }
    public required double[] GtBoxes { get; init; }   // (G_total, 4) XYWH
    public required double[] GtArea { get; init; }
    public required bool[] GtCrowd { get; init; }
    /// <summary>The GT's annotation id is 0, which pycocotools' matching reads as "no match" (notes/coco-eval-reference.md §1).</summary>
    public required bool[] GtIdZero { get; init; }
    public required double[] DetBoxes { get; init; }  // (D_total, 4) XYWH, slot order
    public required double[] DetScore { get; init; }
    /// <summary>Rank of a detection slot inside its entry (0 = highest score), for the maxDets cut.</summary>
    public required int[] DetRank { get; init; }
    public int EntryCount => GtStart.Length;
    public int DetSlotCount => DetScore.Length;

    /// <summary>Groups the inputs. Annotations/detections of unknown category (or GT of unknown image) are left out, as pycocotools does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: skip the slow tier-0 code of tiered JIT
    public static EvaluationLayout Build(CocoGroundTruth gt, IReadOnlyList<CocoDetection> detections, string detectionsSource,
        out int annotationsLeftOut, out int detectionsLeftOut)
    {
        long imageCount = gt.ImageIds.Count;
        var k = gt.CategoryIds.Count;

        // Ground truth: key = category·I + image, file order inside a key.
        var gtKeys = new long[gt.Annotations.Count];
        var gtOrder = new List<int>(gt.Annotations.Count);
        for (var n = 0; n < gt.Annotations.Count; n++)
        {
            var a = gt.Annotations[n];
            int ki = gt.CategoryIndexOf(a.CategoryId), ii = gt.ImageIndexOf(a.ImageId);
            if (ki < 0 || ii < 0) continue;
            gtKeys[n] = ki * imageCount + ii;
            gtOrder.Add(n);
        }
        annotationsLeftOut = gt.Annotations.Count - gtOrder.Count;
        var gtSorted = gtOrder.ToArray();
        gtSorted.AsSpan().Sort(new KeyThenIndex(gtKeys));

        // Detections: key, then descending score, then input order (numpy's stable mergesort on -score).
        var detKeys = new long[detections.Count];
        var scores = new double[detections.Count];
        var detOrder = new List<int>(detections.Count);
        for (var n = 0; n < detections.Count; n++)
        {
            var d = detections[n];
            var ii = gt.ImageIndexOf(d.ImageId);
            if (ii < 0)
                throw new InvalidDataException($"{detectionsSource}: detections[{n}] has image_id {d.ImageId}, which is not among the images of {gt.Source}");
            if (!double.IsFinite(d.Score) || !double.IsFinite(d.X) || !double.IsFinite(d.Y) || !double.IsFinite(d.Width) ||
                !double.IsFinite(d.Height) || d.Width < 0 || d.Height < 0)
                throw new InvalidDataException($"{detectionsSource}: detections[{n}] (image_id {d.ImageId}) has bbox [{d.X}, {d.Y}, {d.Width}, {d.Height}] " +
                                               $"and score {d.Score}: all must be finite, with w, h >= 0");
            var ki = gt.CategoryIndexOf(d.CategoryId);
            if (ki < 0) continue;
            detKeys[n] = ki * imageCount + ii;
            scores[n] = d.Score;
            detOrder.Add(n);
        }
        detectionsLeftOut = detections.Count - detOrder.Count;
        var detSorted = SortByKeyThenScore(detOrder, detKeys, scores);

        // Merge the two key-sorted runs into entries.
        var maxDet = CocoEvalParameters.MaxDetections[^1];
        var gtStart = new List<int>(); var gtCount = new List<int>(); var detStart = new List<int>(); var detCount = new List<int>();
        var entryCategory = new List<int>();
        var gtBoxes = new List<double>(gtSorted.Length * 4); var gtArea = new List<double>(gtSorted.Length); var gtCrowd = new List<bool>(gtSorted.Length);
        var gtIdZero = new List<bool>(gtSorted.Length);
        var detBoxes = new double[detSorted.Length * 4];
        var detScore = new double[detSorted.Length];
        var detRank = new int[detSorted.Length];
        int gi = 0, di = 0, slots = 0;
        while (gi < gtSorted.Length || di < detSorted.Length)
        {
            var key = Math.Min(gi < gtSorted.Length ? gtKeys[gtSorted[gi]] : long.MaxValue, di < detSorted.Length ? detKeys[detSorted[di]] : long.MaxValue);
            entryCategory.Add((int)(key / imageCount));
            gtStart.Add(gtArea.Count);
            for (; gi < gtSorted.Length && gtKeys[gtSorted[gi]] == key; gi++)
            {
                var a = gt.Annotations[gtSorted[gi]];
                gtBoxes.Add(a.X); gtBoxes.Add(a.Y); gtBoxes.Add(a.Width); gtBoxes.Add(a.Height);
                gtArea.Add(a.Area);
                gtCrowd.Add(a.IsCrowd);
                gtIdZero.Add(a.Id == 0);
            }
            gtCount.Add(gtArea.Count - gtStart[^1]);
            detStart.Add(slots);
            for (var rank = 0; di < detSorted.Length && detKeys[detSorted[di]] == key; di++, rank++)
            {
                if (rank >= maxDet) continue; // beyond 100 per (image, category): never seen by pycocotools
                var d = detections[detSorted[di]];
                detBoxes[slots * 4] = d.X; detBoxes[slots * 4 + 1] = d.Y; detBoxes[slots * 4 + 2] = d.Width; detBoxes[slots * 4 + 3] = d.Height;
                detScore[slots] = d.Score;
                detRank[slots] = rank;
                slots++;
            }
            detCount.Add(slots - detStart[^1]);
        }

        var categoryEntryStart = new int[k + 1];
        for (int e = 0, c = 0; c <= k; c++)
        {
            while (e < entryCategory.Count && entryCategory[e] < c) e++;
            categoryEntryStart[c] = e;
        }
        return new EvaluationLayout
        {
            CategoryCount = k, CategoryEntryStart = categoryEntryStart,
            GtStart = gtStart.ToArray(), GtCount = gtCount.ToArray(), DetStart = detStart.ToArray(), DetCount = detCount.ToArray(),
            GtBoxes = gtBoxes.ToArray(), GtArea = gtArea.ToArray(), GtCrowd = gtCrowd.ToArray(), GtIdZero = gtIdZero.ToArray(),
            DetBoxes = Trim(detBoxes, slots * 4), DetScore = Trim(detScore, slots), DetRank = Trim(detRank, slots),
        };
    }

    private static T[] Trim<T>(T[] array, int length) => array.Length == length ? array : array.AsSpan(0, length).ToArray();

    /// <summary>
    /// Detection indices ordered by (key, descending score, index). A primitive sort on key·N + index (unique
    /// values, so stability is not needed) groups the keys fast; each key's run is then ordered by score with
    /// index tie-break, which is numpy's stable mergesort on −score.
    /// </summary>
    private static int[] SortByKeyThenScore(List<int> order, long[] keys, double[] scores)
    {
        var result = order.ToArray();
        long n = keys.Length;
        var maxKey = 0L;
        foreach (var i in result) maxKey = Math.Max(maxKey, keys[i]);
        if (n == 0 || maxKey > (long.MaxValue - n) / n)
        {
            result.AsSpan().Sort(new KeyThenScoreThenIndex(keys, scores)); // key·N + index would overflow
            return result;
        }
        var composite = new long[result.Length];
        for (var j = 0; j < result.Length; j++) composite[j] = keys[result[j]] * n + result[j];
        Array.Sort(composite);
        for (var j = 0; j < result.Length; j++) result[j] = (int)(composite[j] % n);
        for (var start = 0; start < result.Length;)
        {
            var end = start + 1;
            while (end < result.Length && keys[result[end]] == keys[result[start]]) end++;
            if (end - start > 1) result.AsSpan(start, end - start).Sort(new KeyThenScoreThenIndex(keys, scores));
            start = end;
        }
        return result;
    }

    private readonly struct KeyThenIndex(long[] keys) : IComparer<int>
    {
        public int Compare(int a, int b)
        {
            var ka = keys[a]; var kb = keys[b];
            return ka != kb ? (ka < kb ? -1 : 1) : a.CompareTo(b);
        }
    }

    private readonly struct KeyThenScoreThenIndex(long[] keys, double[] scores) : IComparer<int>
    {
        public int Compare(int a, int b)
        {
            var ka = keys[a]; var kb = keys[b];
            if (ka != kb) return ka < kb ? -1 : 1;
            double sa = scores[a], sb = scores[b];
            if (sa > sb) return -1;
            if (sa < sb) return 1;
            return a.CompareTo(b);
        }
    }
}
