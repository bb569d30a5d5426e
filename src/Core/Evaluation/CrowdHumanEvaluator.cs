namespace Research.Core.Evaluation;

/// <summary>
/// CrowdHuman evaluation exactly as the official tool DeFCN reports (cvpods crowdhumantools.py, mode 0, run as
/// <c>_evaluate_predictions_on_crowdhuman</c>): AP at IoU 0.5 (the tool's own trapezoid over the ranked list, not
/// COCO AP), mMR (log-average miss rate over 9 FPPI points in [10⁻², 1]) and recall, equal to the official numbers
/// on its fixtures (Fixtures/evaluation/crowdhuman). Per image with detections, gt and dt boxes are clipped
/// (x1, y1 to [0, W−1] × [0, H−1], x2, y2 to [0, W] × [0, H]); detections in descending score order take the best
/// unmatched person with IoU &gt; 0.5, else the first ignore region with intersection over the detection's area
/// &gt; 0.5 (then they are dropped), else count as false positives. The kept detections of all images are ranked by
/// score (ties: ground-truth image order, then input order).
/// Where the official tool fails we return defined values and say so in <see cref="CrowdHumanEvalResult.Notes"/>:
/// an image with <c>gtboxes: []</c> (official: ValueError) adds no positives and its detections are false positives;
/// no ranked detection at all (none given, or all on ignore regions; official: UnboundLocalError) and P = 0
/// (official: NaN for all three, from 0/0) give AP = 0, recall = 0, mMR = 1. An image without detections needs no
/// size; a detection naming an unknown ID is refused (official: KeyError).
/// </summary>
public static class CrowdHumanEvaluator
{
    /// <summary>The FPPI references of the official <c>eval_MR("CALTECH_-2")</c>, as its literals.</summary>
    public static IReadOnlyList<double> FppiReferences { get; } =
        new[] { 0.0100, 0.0178, 0.03160, 0.0562, 0.1000, 0.1778, 0.3162, 0.5623, 1.000 };

    /// <summary>
    /// Evaluates in-memory detections (e.g. from the training loop: <see cref="CrowdHumanDetection.FromXyxy"/> per box)
    /// against a ground truth. Images are looked up by ID; the order of the detections matters only to break score ties
    /// inside an image (earlier first, as in a dt file).
    /// </summary>
    /// <param name="groundTruth">Images, sizes and boxes.</param>
    /// <param name="detections">XYWH boxes in the original image frame, any number per image, any image order.</param>
    /// <param name="detectionsSource">Name of the detections in messages (file path, "validation run", ...).</param>
    /// <param name="detectionImageSizes">Sizes from the dt records (<see cref="CrowdHumanDetectionFile.ImageSizes"/>), used
    /// for a width or height the ground-truth image lacks, as the official tool does.</param>
    /// <exception cref="InvalidDataException">A detection names an unknown ID or has a non-finite or negative box or score,
    /// or an image with detections has no size.</exception>
    public static CrowdHumanEvalResult Evaluate(CrowdHumanGroundTruth groundTruth, IEnumerable<CrowdHumanDetection> detections,
        string detectionsSource = "detections", IReadOnlyDictionary<string, (int? Width, int? Height)>? detectionImageSizes = null)
    {
        ArgumentNullException.ThrowIfNull(groundTruth);
        ArgumentNullException.ThrowIfNull(detections);
        var all = detections as IReadOnlyList<CrowdHumanDetection> ?? detections.ToArray();
        var perImage = new List<int>?[groundTruth.Images.Count];
        for (var n = 0; n < all.Count; n++)
        {
            var d = all[n];
            var i = groundTruth.IndexOf(d.ImageId ?? "");
            if (i < 0) throw new InvalidDataException($"{detectionsSource}: detections[{n}]: image ID {d.ImageId} is not in the ground truth {groundTruth.Source}");
            if (!double.IsFinite(d.X) || !double.IsFinite(d.Y) || !double.IsFinite(d.Width) || !double.IsFinite(d.Height) ||
                d.Width < 0 || d.Height < 0 || !double.IsFinite(d.Score))
                throw new InvalidDataException($"{detectionsSource}: detections[{n}] (ID {d.ImageId}): box [{d.X}, {d.Y}, {d.Width}, {d.Height}] and score {d.Score} must be finite with w, h >= 0");
            (perImage[i] ??= new List<int>()).Add(n);
        }

        var kept = new List<CrowdHumanRankedDetection>(all.Count);
        var dropped = 0;
        for (var i = 0; i < perImage.Length; i++)
        {
            if (perImage[i] is not { } indices) continue;
            var image = groundTruth.Images[i];
            var fromDt = detectionImageSizes is not null && detectionImageSizes.TryGetValue(image.Id, out var s) ? s : default;
            if ((image.Width ?? fromDt.Width) is not { } width || (image.Height ?? fromDt.Height) is not { } height)
                throw new InvalidDataException($"{groundTruth.Where(i)}: no width/height to clip its boxes with (not in the record, the detections {detectionsSource} or the image sizes given)");
            dropped += CrowdHumanMatcher.Match(image, i, width, height, all, indices, kept);
        }
        // Database.compare: per-image lists in ground-truth order, then a stable sort by descending score.
        var ranked = kept.OrderByDescending(r => r.Score).ToArray();
        return Accumulate(groundTruth, ranked, all.Count, dropped);
    }

    /// <summary>Loads an .odgt ground truth and a results file (COCO-style list or dt .odgt) and evaluates them (see <see cref="Evaluate"/>).</summary>
    /// <param name="groundTruthPath">The .odgt ground truth.</param>
    /// <param name="detectionsPath">The detections (<see cref="CrowdHumanDetections"/>).</param>
    /// <param name="mode">Full-body (default, the official mode 0) or visible boxes.</param>
    /// <param name="imageSizes">Sizes of ground-truth records without width/height (see <see cref="CrowdHumanGroundTruth.Load"/>).</param>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="InvalidDataException">A file is malformed or the inputs do not fit; the message names the file and line.</exception>
    public static CrowdHumanEvalResult EvaluateFiles(string groundTruthPath, string detectionsPath,
        CrowdHumanBoxMode mode = CrowdHumanBoxMode.FullBody, Func<string, (int Width, int Height)?>? imageSizes = null)
    {
        var groundTruth = CrowdHumanGroundTruth.Load(groundTruthPath, mode, imageSizes);
        var file = CrowdHumanDetections.Load(detectionsPath, groundTruth);
        return Evaluate(groundTruth, file.Detections, detectionsPath, file.ImageSizes);
    }

    // The notes on what the official tool cannot evaluate, then eval_AP and eval_MR (when defined) over the ranked list.
    private static CrowdHumanEvalResult Accumulate(CrowdHumanGroundTruth groundTruth, CrowdHumanRankedDetection[] ranked, int given, int dropped)
    {
        var notes = new List<string>();
        var empty = groundTruth.Images.Select((image, i) => (image, i)).Where(x => x.image.Boxes.Count == 0).Select(x => x.i).ToArray();
        if (empty.Length > 0)
            notes.Add($"{empty.Length} image(s) without gtboxes (first: {groundTruth.Where(empty[0])}) add no positives; their detections are false positives (the official tool raises ValueError loading them)");
        if (ranked.Length == 0)
            notes.Add($"no detection was ranked ({given} given, {dropped} on ignore regions): AP = 0, recall = 0, mMR = 1 (the official tool raises UnboundLocalError in eval_AP)");
        if (groundTruth.Positives == 0)
            notes.Add("the ground truth has no person (P = 0): AP = 0, recall = 0, mMR = 1 (the official tool gives NaN for all three, from 0/0)");
        var missRates = Enumerable.Repeat(1.0, FppiReferences.Count).ToArray();
        var (ap, mmr, recall) = ranked.Length == 0 || groundTruth.Positives == 0
            ? (0.0, 1.0, 0.0)
            : Curves(ranked, groundTruth.Positives, groundTruth.Images.Count, missRates);
        return new CrowdHumanEvalResult
        {
            Ap = ap, MissRate = mmr, Recall = recall, MissRateAtReferences = missRates, Positives = groundTruth.Positives,
            ImageCount = groundTruth.Images.Count, DetectionCount = given, DroppedOnIgnore = dropped, Ranked = ranked, Notes = notes,
        };
    }

    // eval_AP and eval_MR in their order of operations; fills the miss rate at each FPPI reference.
    private static (double Ap, double MissRate, double Recall) Curves(CrowdHumanRankedDetection[] ranked, double positives, int images, double[] missRates)
    {
        var n = ranked.Length;
        var recall = new double[n];
        var precision = new double[n];
        var fppi = new double[n];
        double tp = 0, fp = 0;
        for (var i = 0; i < n; i++)
        {
            if (ranked[i].IsTruePositive) tp += 1.0;
            else fp += 1.0;
            var fn = positives - tp;
            recall[i] = tp / (tp + fn);
            precision[i] = tp / (tp + fp);
            fppi[i] = fp / images;
        }
        var ap = 0.0; // the trapezoid from the first point: no (0, 1) anchor, no precision envelope
        for (var i = 1; i < n; i++)
        {
            var deltaH = (precision[i - 1] + precision[i]) / 2;
            var deltaW = recall[i] - recall[i - 1];
            ap += deltaW * deltaH;
        }
        var logs = new double[missRates.Length];
        for (var k = 0; k < missRates.Length; k++)
        {
            var at = Array.FindIndex(fppi, f => f >= FppiReferences[k]); // _find_gt: first fppi >= ref, else the last point
            missRates[k] = 1.0 - recall[at >= 0 ? at : n - 1];
            logs[k] = Math.Log(missRates[k]);
        }
        // A miss rate of 0 gives log = −inf and mMR = 0, as numpy does.
        return (ap, Math.Exp(NumpyMean.Mean(logs)), recall[n - 1]);
    }
}
