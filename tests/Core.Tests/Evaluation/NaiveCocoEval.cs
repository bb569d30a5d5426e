using Research.Core.Evaluation;

namespace Research.Core.Tests.Evaluation;

/// <summary>
/// A direct, unoptimised transliteration of pycocotools' evaluate/accumulate (bbox) for cross-checking the fast
/// evaluator on random inputs: dictionaries per (image, category), evaluateImg per area range with full dtm/dtIg
/// arrays, accumulate with rc/pr at every detection, the envelope and a binary searchsorted. Returns
/// precision[t, r, k, a, m] and recall[t, k, a, m].
/// </summary>
internal static class NaiveCocoEval
{
    public static (double[,,,,] Precision, double[,,,] Recall) Run(CocoGroundTruth gt, IReadOnlyList<CocoDetection> dets)
    {
        var iouThrs = CocoEvalParameters.IouThresholds;
        var recThrs = CocoEvalParameters.RecallThresholds;
        var areas = CocoEvalParameters.AreaRanges;
        var maxDets = CocoEvalParameters.MaxDetections;
        var cats = gt.CategoryIds;
        var imgs = gt.ImageIds;
        var gts = new Dictionary<(long, long), List<CocoAnnotation>>();
        foreach (var a in gt.Annotations)
            if (cats.Contains(a.CategoryId) && imgs.Contains(a.ImageId)) Get(gts, (a.ImageId, a.CategoryId)).Add(a);
        var dts = new Dictionary<(long, long), List<CocoDetection>>();
        foreach (var d in dets)
            if (cats.Contains(d.CategoryId)) Get(dts, (d.ImageId, d.CategoryId)).Add(d);

        // evalImgs[k][a][i]: null, or (scores, dtm (matched), dtIg, gtIg)
        var evalImgs = new (double[] Scores, bool[,] Dtm, bool[,] DtIg, bool[] GtIg)?[cats.Count, areas.Count, imgs.Count];
        for (var k = 0; k < cats.Count; k++)
            for (var i = 0; i < imgs.Count; i++)
            {
                var g = gts.GetValueOrDefault((imgs[i], cats[k])) ?? new();
                var d = (dts.GetValueOrDefault((imgs[i], cats[k])) ?? new())
                    .Select((x, n) => (x, n)).OrderByDescending(p => p.x.Score).ThenBy(p => p.n).Select(p => p.x).Take(maxDets[^1]).ToList();
                if (g.Count == 0 && d.Count == 0) continue;
                for (var a = 0; a < areas.Count; a++)
                {
                    var (_, lo, hi) = areas[a];
                    var gs = g.OrderBy(x => x.IsCrowd || x.Area < lo || x.Area > hi ? 1 : 0).ToList(); // LINQ OrderBy is stable
                    var gtIg = gs.Select(x => x.IsCrowd || x.Area < lo || x.Area > hi).ToArray();
                    var dtm = new bool[iouThrs.Count, d.Count];
                    var dtIg = new bool[iouThrs.Count, d.Count];
                    for (var t = 0; t < iouThrs.Count; t++)
                    {
                        var gtm = new bool[gs.Count];
                        for (var di = 0; di < d.Count; di++)
                        {
                            var iou = Math.Min(iouThrs[t], 1 - 1e-10);
                            var m = -1;
                            for (var gi = 0; gi < gs.Count; gi++)
                            {
                                if (gtm[gi] && !gs[gi].IsCrowd) continue;
                                if (m > -1 && !gtIg[m] && gtIg[gi]) break;
                                var v = Iou(d[di], gs[gi]);
                                if (v < iou) continue;
                                iou = v;
                                m = gi;
                            }
                            if (m == -1) continue;
                            dtIg[t, di] = gtIg[m];
                            dtm[t, di] = true;
                            gtm[m] = true;
                        }
                        for (var di = 0; di < d.Count; di++)
                        {
                            var area = d[di].Width * d[di].Height;
                            if (!dtm[t, di] && (area < lo || area > hi)) dtIg[t, di] = true;
                        }
                    }
                    evalImgs[k, a, i] = (d.Select(x => x.Score).ToArray(), dtm, dtIg, gtIg);
                }
            }

        var precision = new double[iouThrs.Count, recThrs.Count, cats.Count, areas.Count, maxDets.Count];
        var recall = new double[iouThrs.Count, cats.Count, areas.Count, maxDets.Count];
        foreach (ref var p in System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref precision[0, 0, 0, 0, 0], precision.Length)) p = -1;
        foreach (ref var p in System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref recall[0, 0, 0, 0], recall.Length)) p = -1;
        for (var k = 0; k < cats.Count; k++)
            for (var a = 0; a < areas.Count; a++)
                for (var m = 0; m < maxDets.Count; m++)
                {
                    var es = Enumerable.Range(0, imgs.Count).Select(i => evalImgs[k, a, i]).Where(e => e is not null).Select(e => e!.Value).ToList();
                    if (es.Count == 0) continue;
                    // concatenate the first maxDet of each image, then stable sort by -score
                    var all = es.SelectMany(e => Enumerable.Range(0, Math.Min(maxDets[m], e.Scores.Length)).Select(j => (e, j))).ToList();
                    var order = all.Select((x, n) => (x, n)).OrderByDescending(p => p.x.e.Scores[p.x.j]).ThenBy(p => p.n).Select(p => p.x).ToList();
                    var npig = es.Sum(e => e.GtIg.Count(ig => !ig));
                    if (npig == 0) continue;
                    for (var t = 0; t < iouThrs.Count; t++)
                    {
                        var nd = order.Count;
                        var rc = new double[nd];
                        var pr = new double[nd];
                        double tp = 0, fp = 0;
                        for (var j = 0; j < nd; j++)
                        {
                            var (e, jj) = order[j];
                            if (!e.DtIg[t, jj]) { if (e.Dtm[t, jj]) tp++; else fp++; }
                            rc[j] = tp / npig;
                            pr[j] = tp / (fp + tp + 2.220446049250313e-16);
                        }
                        recall[t, k, a, m] = nd > 0 ? rc[nd - 1] : 0;
                        for (var i = nd - 1; i > 0; i--)
                            if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
                        for (var r = 0; r < recThrs.Count; r++)
                        {
                            var idx = SearchSortedLeft(rc, recThrs[r]);
                            if (idx >= nd) { for (; r < recThrs.Count; r++) precision[t, r, k, a, m] = 0; break; }
                            precision[t, r, k, a, m] = pr[idx];
                        }
                    }
                }
        return (precision, recall);
    }

    private static List<T> Get<T>(Dictionary<(long, long), List<T>> d, (long, long) key) =>
        d.TryGetValue(key, out var list) ? list : d[key] = new List<T>();

    private static double Iou(CocoDetection d, CocoAnnotation g)
    {
        double w = Math.Min(d.X + d.Width, g.X + g.Width) - Math.Max(d.X, g.X);
        if (w <= 0) return 0;
        double h = Math.Min(d.Y + d.Height, g.Y + g.Height) - Math.Max(d.Y, g.Y);
        if (h <= 0) return 0;
        double i = w * h, da = d.Width * d.Height, ga = g.Width * g.Height;
        return i / (g.IsCrowd ? da : da + ga - i);
    }

    private static int SearchSortedLeft(double[] a, double v)
    {
        int lo = 0, hi = a.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (a[mid] < v) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}
