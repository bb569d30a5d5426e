using System.Globalization;

namespace Research.Core.Data;

/// <summary>
/// How crowded a dataset is, measured on its training boxes (non-crowd annotations, as training sees them):
/// the share of boxes with a same-class neighbour at IoU ≥ 0.5 and ≥ 0.6 — a detector that is right on both
/// of such a pair loses one to NMS at that threshold (0.5: the classic setting, 0.6: the official FCOS/ATSS
/// test setting) — pairs at IoU ≥ 0.5 per image (the CrowdHuman paper's "pair-wise overlap" measure), and boxes
/// and ignore regions per image.
/// </summary>
/// <param name="Images">Images measured.</param>
/// <param name="Boxes">Training boxes.</param>
/// <param name="IgnoreRegions">Crowd (ignore) annotations.</param>
/// <param name="ShareOverlapping50">Fraction of boxes with a same-class neighbour at IoU ≥ 0.5.</param>
/// <param name="ShareOverlapping60">Fraction of boxes with a same-class neighbour at IoU ≥ 0.6.</param>
/// <param name="PairsOverlapping50">Same-class pairs at IoU ≥ 0.5.</param>
public sealed record CrowdStatistics(int Images, int Boxes, int IgnoreRegions, double ShareOverlapping50, double ShareOverlapping60,
    int PairsOverlapping50)
{
    /// <summary>Mean training boxes per image.</summary>
    public double BoxesPerImage => Images == 0 ? 0 : Boxes / (double)Images;

    /// <summary>Mean ignore regions per image.</summary>
    public double IgnoreRegionsPerImage => Images == 0 ? 0 : IgnoreRegions / (double)Images;

    /// <summary>Mean same-class pairs at IoU ≥ 0.5 per image.</summary>
    public double PairsOverlapping50PerImage => Images == 0 ? 0 : PairsOverlapping50 / (double)Images;

    /// <summary>Measures every image of a dataset.</summary>
    public static CrowdStatistics Of(CocoDataset dataset) => Of(dataset.Images);

    /// <summary>Measures the given images.</summary>
    public static CrowdStatistics Of(IEnumerable<CocoImage> images)
    {
        int count = 0, boxes = 0, ignore = 0, over50 = 0, over60 = 0, pairs50 = 0;
        foreach (var image in images)
        {
            count++;
            var gt = image.TrainingAnnotations.ToArray();
            ignore += image.Annotations.Count - gt.Length;
            boxes += gt.Length;
            var best = new double[gt.Length];
            for (var i = 0; i < gt.Length; i++)
                for (var j = i + 1; j < gt.Length; j++)
                {
                    if (gt[i].Class != gt[j].Class) continue;
                    var iou = Box(gt[i]).Iou(Box(gt[j]));
                    best[i] = Math.Max(best[i], iou);
                    best[j] = Math.Max(best[j], iou);
                    if (iou >= 0.5) pairs50++;
                }
            over50 += best.Count(v => v >= 0.5);
            over60 += best.Count(v => v >= 0.6);
        }
        return new CrowdStatistics(count, boxes, ignore, boxes == 0 ? 0 : over50 / (double)boxes, boxes == 0 ? 0 : over60 / (double)boxes, pairs50);

        static BoxXyxy Box(CocoAnnotation a) => BoxXyxy.FromXywh(a.X, a.Y, a.Width, a.Height);
    }

    /// <summary>
    /// One line, e.g. "200 images, 14.1 boxes and 1.0 ignore regions per image; 47 % of boxes overlap a neighbour at
    /// IoU ≥ 0.5 (31 % at ≥ 0.6), 3.9 such pairs per image".
    /// </summary>
    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"{Images} images, {BoxesPerImage:0.0} boxes and {IgnoreRegionsPerImage:0.0} ignore regions per image; {100 * ShareOverlapping50:0} % of boxes overlap a neighbour at IoU ≥ 0.5 ({100 * ShareOverlapping60:0} % at ≥ 0.6), {PairsOverlapping50PerImage:0.0} such pairs per image");
}
