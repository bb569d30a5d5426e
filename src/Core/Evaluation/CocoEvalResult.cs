using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Research.Core.Evaluation;

/// <summary>
/// The outcome of a COCO bbox evaluation: pycocotools' <c>eval['precision']</c> (T×R×K×A×M) and
/// <c>eval['recall']</c> (T×K×A×M) with T = 10 IoU thresholds, R = 101 recall thresholds, K categories,
/// A = 4 area ranges, M = 3 maxDets, the 12 summary numbers of <c>summarize()</c> and the AP of each category.
/// −1 means "not defined" (no GT of that kind), as in pycocotools.
/// </summary>
public sealed class CocoEvalResult
{
    private static readonly (bool Ap, double? Iou, int Area, int MaxDets)[] StatDefinitions =
    {
        (true, null, 0, 100), (true, 0.5, 0, 100), (true, 0.75, 0, 100),
        (true, null, 1, 100), (true, null, 2, 100), (true, null, 3, 100),
        (false, null, 0, 1), (false, null, 0, 10), (false, null, 0, 100),
        (false, null, 1, 100), (false, null, 2, 100), (false, null, 3, 100),
    };

    private readonly double[] _precision;
    private readonly double[] _recall;
    private readonly double[] _stats;
    private readonly long[] _categoryIds;

    internal CocoEvalResult(IReadOnlyList<long> categoryIds, double[] precision, double[] recall, int imageCount,
        int detectionsEvaluated, int detectionsLeftOut, int annotationsLeftOut)
    {
        _categoryIds = categoryIds.ToArray();
        _precision = precision;
        _recall = recall;
        ImageCount = imageCount;
        DetectionsEvaluated = detectionsEvaluated;
        DetectionsLeftOut = detectionsLeftOut;
        AnnotationsLeftOut = annotationsLeftOut;
        _stats = StatDefinitions.Select(d => Summarize(d.Ap, d.Iou, d.Area, d.MaxDets)).ToArray();
        var perCategory = new Dictionary<long, double>(_categoryIds.Length);
        for (var k = 0; k < _categoryIds.Length; k++) perCategory[_categoryIds[k]] = CategoryAp(k);
        PerCategoryAp = perCategory;
    }

    /// <summary>Short names of the 12 stats, in order: AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl.</summary>
    public static IReadOnlyList<string> StatNames { get; } =
        new[] { "AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl" };

    /// <summary>The 12 numbers of pycocotools' <c>stats</c> (fractions in [0, 1], or −1 when undefined).</summary>
    public IReadOnlyList<double> Stats => _stats;

    /// <summary>AP@[.50:.95], all areas, 100 detections (stats[0], the headline COCO mAP).</summary>
    public double Ap => _stats[0];

    /// <summary>AP at IoU 0.50 (stats[1]).</summary>
    public double Ap50 => _stats[1];

    /// <summary>AP at IoU 0.75 (stats[2]).</summary>
    public double Ap75 => _stats[2];

    /// <summary>COCO category ids in ascending order: index k of <see cref="Precision"/> and <see cref="Recall"/>.</summary>
    public IReadOnlyList<long> CategoryIds => _categoryIds;

    /// <summary>
    /// AP@[.50:.95] (all areas, 100 detections) per COCO category id: the mean of precision[:, :, k, 0, 2]; −1 for a
    /// category without non-crowd GT.
    /// </summary>
    public IReadOnlyDictionary<long, double> PerCategoryAp { get; }

    /// <summary>Number of images evaluated (all images of the ground truth).</summary>
    public int ImageCount { get; }

    /// <summary>Detections that took part (known category, at most 100 per image and category).</summary>
    public int DetectionsEvaluated { get; }

    /// <summary>Detections left out because their category id is not in the ground truth (pycocotools drops them silently).</summary>
    public int DetectionsLeftOut { get; }

    /// <summary>Annotations left out because their image or category is not listed in the ground truth.</summary>
    public int AnnotationsLeftOut { get; }

    /// <summary>
    /// Interpolated precision at IoU threshold index t (0..9), recall threshold index r (0..100), category index k,
    /// area range index a (all, small, medium, large), maxDets index m (1, 10, 100); −1 when undefined.
    /// </summary>
    public double Precision(int t, int r, int k, int a, int m) =>
        _precision[(((t * 101 + r) * _categoryIds.Length + k) * 4 + a) * 3 + m];

    /// <summary>Recall at IoU threshold index t, category index k, area index a, maxDets index m; −1 when undefined.</summary>
    public double Recall(int t, int k, int a, int m) => _recall[((t * _categoryIds.Length + k) * 4 + a) * 3 + m];

    /// <summary>The 12 stats keyed by <see cref="StatNames"/> with a prefix (e.g. "bbox/AP"), for metric logging.</summary>
    public IReadOnlyDictionary<string, double> ToMetrics(string prefix = "bbox/") =>
        StatNames.Select((name, i) => (name, i)).ToDictionary(x => prefix + x.name, x => _stats[x.i]);

    /// <summary>The summary as pycocotools prints it, one line per stat, prefixed by its short name, 3 decimals.</summary>
    public string ToTable()
    {
        var sb = new StringBuilder();
        for (var i = 0; i < StatDefinitions.Length; i++)
        {
            var (ap, iou, area, maxDets) = StatDefinitions[i];
            var iouText = iou is { } v ? v.ToString("0.00", CultureInfo.InvariantCulture) + "     " : "0.50:0.95";
            var title = ap ? "Average Precision  (AP)" : "Average Recall     (AR)";
            var value = _stats[i].ToString("0.000", CultureInfo.InvariantCulture);
            sb.Append(CultureInfo.InvariantCulture,
                $"{StatNames[i],-6}{title} @[ IoU={iouText} | area={CocoEvalParameters.AreaRanges[area].Label,6} | maxDets={maxDets,3} ] = {value}\n");
        }
        return sb.ToString();
    }

    /// <summary>
    /// One JSON object <c>{"stats": [12 numbers], "per_category_ap": {"id": ap, ...}}</c>, numbers in shortest
    /// round-trip form (parsing them back gives the same doubles).
    /// </summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("stats");
            foreach (var s in _stats) writer.WriteNumberValue(s);
            writer.WriteEndArray();
            writer.WriteStartObject("per_category_ap");
            foreach (var id in _categoryIds) writer.WriteNumber(id.ToString(CultureInfo.InvariantCulture), PerCategoryAp[id]);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    // summarize(): mean of the entries > −1 taken in C order (t, r, k) for AP and (t, k) for AR, bit for bit as np.mean.
    private double Summarize(bool ap, double? iou, int area, int maxDets)
    {
        var thresholds = CocoEvalParameters.IouThresholds;
        var m = IndexOfMaxDets(maxDets);
        var values = new List<double>();
        for (var t = 0; t < thresholds.Count; t++)
        {
            if (iou is { } wanted && thresholds[t] != wanted) continue; // exact ==, as np.where(iouThr == p.iouThrs)
            for (var r = 0; r < (ap ? 101 : 1); r++)
                for (var k = 0; k < _categoryIds.Length; k++)
                {
                    var v = ap ? Precision(t, r, k, area, m) : Recall(t, k, area, m);
                    if (v > -1) values.Add(v);
                }
        }
        return values.Count == 0 ? -1 : NumpyMean.Mean(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(values));
    }

    private double CategoryAp(int k)
    {
        var values = new List<double>(10 * 101);
        for (var t = 0; t < 10; t++)
            for (var r = 0; r < 101; r++)
            {
                var v = Precision(t, r, k, 0, 2);
                if (v > -1) values.Add(v);
            }
        return values.Count == 0 ? -1 : NumpyMean.Mean(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(values));
    }

    private static int IndexOfMaxDets(int maxDets)
    {
        for (var i = 0; i < CocoEvalParameters.MaxDetections.Count; i++)
            if (CocoEvalParameters.MaxDetections[i] == maxDets) return i;
        throw new ArgumentOutOfRangeException(nameof(maxDets));
    }
}
