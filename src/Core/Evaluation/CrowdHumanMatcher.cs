namespace Research.Core.Evaluation;

/// <summary>
/// The official per-image matching of CrowdHuman mode 0 (crowdhumantools.py <c>clip_all_boader</c>,
/// <c>box_overlap_opr</c>, <c>compare_caltech(0.5)</c>), in the same double arithmetic and order of operations.
/// </summary>
internal static class CrowdHumanMatcher
{
    /// <summary>The IoU (to persons) and IoA (to ignore regions) threshold; both tests are strict.</summary>
    public const double Threshold = 0.5;

    private const double Eps = 1e-6;

    /// <summary>
    /// Matches the detections <paramref name="indices"/> (into <paramref name="detections"/>, input order) of one image
    /// of size <paramref name="width"/> × <paramref name="height"/>. Appends the kept ones to <paramref name="ranked"/>
    /// in descending score order (ties: input order) and returns how many were dropped on ignore regions.
    /// </summary>
    public static int Match(CrowdHumanImage image, int imageIndex, double width, double height,
        IReadOnlyList<CrowdHumanDetection> detections, List<int> indices, List<CrowdHumanRankedDetection> ranked)
    {
        // Ground truth clipped and stably sorted by tag, descending: persons, then "background", then ignore.
        var gts = image.Boxes.OrderByDescending(b => (int)b.Kind).Select(b =>
        {
            var c = Clip(b.X1, b.Y1, b.X2, b.Y2, width, height);
            return (Box: c, Area: (c.X2 - c.X1) * (c.Y2 - c.Y1), b.Kind);
        }).ToArray();
        var matched = new bool[gts.Length];
        var dropped = 0;
        foreach (var n in indices.OrderByDescending(i => detections[i].Score)) // stable, as Python's sorted(reverse=True)
        {
            var d = detections[n];
            var dt = Clip(d.X, d.Y, d.X + d.Width, d.Y + d.Height, width, height);
            var dtArea = (dt.X2 - dt.X1) * (dt.Y2 - dt.Y1);
            var maxPos = -1;
            var maxIou = Threshold;
            for (var j = 0; j < gts.Length; j++)
            {
                if (matched[j]) continue;
                var (g, gtArea, kind) = gts[j];
                var iw = Min(dt.X2, g.X2) - Max(dt.X1, g.X1);
                var ih = Min(dt.Y2, g.Y2) - Max(dt.Y1, g.Y1);
                var inter = Max(0, iw) * Max(0, ih);
                if (kind == CrowdHumanGtKind.Person)
                {
                    var iou = inter / (dtArea + gtArea - inter + Eps);
                    if (iou > maxIou)
                    {
                        maxIou = iou;
                        maxPos = j;
                    }
                }
                else
                {
                    // Persons come first: once one is matched, stop at the first non-person; otherwise the first
                    // ignore region covering more than half of the detection takes it.
                    if (maxPos >= 0) break;
                    var ioa = inter / (dtArea + Eps);
                    if (ioa > Threshold)
                    {
                        maxIou = ioa;
                        maxPos = j;
                    }
                }
            }
            if (maxPos >= 0 && gts[maxPos].Kind != CrowdHumanGtKind.Person)
            {
                dropped++;
                continue;
            }
            if (maxPos >= 0) matched[maxPos] = true;
            ranked.Add(new CrowdHumanRankedDetection(imageIndex, n, d.Score, maxPos >= 0, dt.X1, dt.Y1, dt.X2, dt.Y2));
        }
        return dropped;
    }

    // x1 to [0, W − 1], y1 to [0, H − 1], x2 to [0, W], y2 to [0, H] (the official −1 on x1/y1 only).
    private static (double X1, double Y1, double X2, double Y2) Clip(double x1, double y1, double x2, double y2, double width, double height) =>
        (Min(Max(x1, 0), width - 1), Min(Max(y1, 0), height - 1), Max(Min(x2, width), 0), Max(Min(y2, height), 0));

    // np.maximum / np.minimum on non-NaN values: the first argument on ties (so the sign of a zero follows numpy).
    private static double Max(double a, double b) => a >= b ? a : b;

    private static double Min(double a, double b) => a <= b ? a : b;
}
