using Research.Core.Data;
using Research.Core.Detectors;
using Research.Core.Evaluation;
using Research.Core.Inference;
using Research.Core.Runtime;
using Research.Core.Visualization;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Training;

/// <summary>One way of post-processing the same network outputs, evaluated under its own metric prefix.</summary>
/// <param name="Prefix">Metric prefix, e.g. <c>bbox/</c> (no NMS) or <c>bbox_nms/</c>.</param>
/// <param name="Settings">Post-processing settings (score threshold, top-k, NMS threshold, detections per image).</param>
public sealed record EvaluationVariant(string Prefix, InferenceSettings Settings);

/// <summary>What one evaluation produced: metrics (prefix + COCO stat name) and the files it wrote.</summary>
public sealed record DetectorEvaluationReport(IReadOnlyDictionary<string, double> Metrics, IReadOnlyList<string> Files);

/// <summary>
/// The loop that runs a detector over a validation set and scores it: every image through
/// <see cref="DenseDetector.Predict(ImageBatch, IReadOnlyList{InferenceSettings})"/> (each image alone, one forward
/// pass decoded by every variant — e.g. without NMS, the DeFCN setting, and with NMS, to show the NMS-free claim
/// honestly), each variant's detections scored with pycocotools semantics (<see cref="CocoEvaluator"/>, which sees
/// detections and ground truth only) and, on CrowdHuman-style data (every image has an .odgt ID), also with the
/// official CrowdHuman evaluator (<c>crowd/AP50</c>, <c>crowd/mMR</c>, <c>crowd/recall</c>; <c>crowd_nms/</c> for
/// <c>bbox_nms/</c>). Writes each variant's results json, a few pictures of detections next to
/// the ground truth and, when asked, the first image's assignment by the detector's own rule.
/// </summary>
public sealed class DetectionValidation
{
    private readonly CocoDataset _dataset;
    private readonly InputOptions _input;
    private readonly int _batchSize;
    private readonly IReadOnlyList<EvaluationVariant> _variants;
    private readonly CocoGroundTruth _groundTruth;
    private readonly int _pictures;
    private readonly double _pictureScoreThresh;
    private readonly bool _drawAssignment;
    private readonly CrowdHumanGroundTruth? _crowd;

    /// <summary>
    /// Creates the loop; the ground truth is read once from the dataset's annotation file (COCO json) or taken
    /// from its records (other formats). With
    /// <paramref name="drawAssignment"/> (and <paramref name="pictures"/> &gt; 0), the first image's assignment by the
    /// detector's <see cref="DenseDetector.AssignmentRule"/> is drawn too (candidate quality per level, the chosen
    /// shift of each GT), as the model sees it at this point of training. <paramref name="batchSize"/> is the
    /// number of images decoded ahead together; the forward pass always sees one image.
    /// </summary>
    public DetectionValidation(CocoDataset dataset, InputOptions input, int batchSize, IReadOnlyList<EvaluationVariant> variants,
        int pictures = 4, double pictureScoreThresh = 0.3, bool drawAssignment = false)
    {
        _drawAssignment = drawAssignment;
        if (variants.Count == 0) throw new ArgumentException("at least one evaluation variant is needed", nameof(variants));
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be positive");
        _dataset = dataset;
        _input = input;
        _batchSize = batchSize;
        _variants = variants;
        _pictures = Math.Max(0, pictures);
        _pictureScoreThresh = pictureScoreThresh;
        _groundTruth = dataset.IsCocoJson ? CocoGroundTruth.Load(dataset.AnnotationFile) : GroundTruthOf(dataset);
        _crowd = dataset.Images.All(i => i.SourceId is not null) ? CrowdGroundTruthOf(dataset) : null;
    }

    /// <summary>
    /// CrowdHuman-style data (every image has an .odgt ID): its persons and ignore regions for the official CrowdHuman
    /// metrics (<see cref="CrowdHumanEvaluator"/>). The boxes are the dataset's, already clipped to the image, which the
    /// evaluator's own clipping leaves as they are; a box lying wholly outside its image was dropped at load time (the
    /// official tool would keep it as a 1-px sliver no detection can match).
    /// </summary>
    private static CrowdHumanGroundTruth CrowdGroundTruthOf(CocoDataset dataset) => new(
        dataset.Images.Select(i => new CrowdHumanImage(i.SourceId!, i.Width, i.Height,
            i.Annotations.Select(a => new CrowdHumanGtBox(a.X, a.Y, a.X + a.Width, a.Y + a.Height,
                a.IsCrowd ? CrowdHumanGtKind.Ignore : CrowdHumanGtKind.Person)).ToArray())),
        dataset.AnnotationFile);

    /// <summary>The CrowdHuman prefix of an evaluation variant: <c>bbox/</c> → <c>crowd/</c>, <c>bbox_nms/</c> → <c>crowd_nms/</c>.</summary>
    public static string CrowdPrefix(string variantPrefix) =>
        variantPrefix.StartsWith("bbox", StringComparison.Ordinal) ? "crowd" + variantPrefix["bbox".Length..] : "crowd_" + variantPrefix;

    /// <summary>
    /// The COCO ground truth of a dataset read from another format (CrowdHuman): its records, crowd (ignore)
    /// boxes as COCO crowd regions, box area as area.
    /// </summary>
    private static CocoGroundTruth GroundTruthOf(CocoDataset dataset) => new(
        dataset.Images.Select(i => i.Id), dataset.Categories.Select(c => c.Id),
        dataset.Images.SelectMany(i => i.Annotations).Select(a =>
            new Evaluation.CocoAnnotation(a.Id, a.ImageId, a.CategoryId, a.X, a.Y, a.Width, a.Height, a.Area, a.IsCrowd)),
        dataset.AnnotationFile);

    /// <summary>The variants, in order.</summary>
    public IReadOnlyList<EvaluationVariant> Variants => _variants;

    /// <summary>
    /// Evaluates <paramref name="model"/> (eval mode, no gradients; its training flag is restored) and
    /// writes <c>detections_&lt;prefix&gt;.json</c> and pictures into <paramref name="outputDir"/>. Throws
    /// <see cref="OperationCanceledException"/> between batches once <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public DetectorEvaluationReport Evaluate(DenseDetector model, string outputDir, Action<int, int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(outputDir);
        var settings = _variants.Select(v => v.Settings).ToArray();
        var results = _variants.Select(_ => new List<CocoDetection>()).ToArray();
        var crowdResults = _variants.Select(_ => new List<CrowdHumanDetection>()).ToArray();
        var pictureDets = new Dictionary<long, IReadOnlyList<DrawnBox>>();
        var files = new List<string>();
        var drawAssignment = _drawAssignment && _pictures > 0;
        var loader = new EvalBatchLoader(_dataset, _input, _batchSize, withTargets: drawAssignment);
        var done = 0;
        foreach (var batch in loader)
        {
            using var b = batch;
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            if (done == 0 && drawAssignment && b.Targets != null && WriteAssignmentPicture(model, b, outputDir) is { } picture)
                files.Add(picture);
            var perVariant = model.Predict(b, settings);                         // [variant][image]
            for (var v = 0; v < perVariant.Count; v++)
                for (var i = 0; i < perVariant[v].Count; i++)
                {
                    using var dets = perVariant[v][i];
                    Collect(b.ImageIds[i], dets, results[v], _crowd is null ? null : crowdResults[v]);
                    if (v == 0 && pictureDets.Count < _pictures)
                        pictureDets[b.ImageIds[i]] = DetectionPicture.FromTensors(dets.Boxes.cpu(), dets.Classes.cpu(), dets.Scores.cpu());
                }
            done += b.Count;
            progress?.Invoke(done, _dataset.Images.Count);
        }

        var metrics = new Dictionary<string, double>();
        for (var v = 0; v < _variants.Count; v++)
        {
            var prefix = _variants[v].Prefix;
            var result = CocoEvaluator.Evaluate(_groundTruth, results[v], $"{prefix} detections");
            foreach (var (k, value) in result.ToMetrics(prefix)) metrics[k] = value;
            if (_crowd is not null)
            {
                // The official CrowdHuman metrics (AP50, mMR, recall) of the same detections, class-agnostic as the tool is.
                var crowd = CrowdHumanEvaluator.Evaluate(_crowd, crowdResults[v], $"{prefix} detections");
                foreach (var (k, value) in crowd.ToMetrics(CrowdPrefix(prefix))) metrics[k] = value;
            }
            var json = Path.Combine(outputDir, $"detections_{prefix.TrimEnd('/').Replace('/', '_')}.json");
            CocoDetections.Save(json, results[v]);
            files.Add(json);
        }
        foreach (var (imageId, dets) in pictureDets)
        {
            var image = _dataset.Image(imageId);
            var png = Path.Combine(outputDir, $"detections_{imageId}.png");
            DetectionPicture.Write(image.Path, DetectionPicture.GroundTruth(image), dets, _dataset.ClassNames, png,
                new DetectionPictureOptions { ScoreThreshold = _pictureScoreThresh });
            files.Add(png);
        }
        return new DetectorEvaluationReport(metrics, files);
    }

    /// <summary>
    /// The rule's quality matrix (M × R) of the batch's first image, drawn per level with each GT's chosen shift; for a
    /// rule without one (center, anchor, FCOS, ATSS) the GT × shift matrix of its positives (1 where a shift was
    /// assigned to the GT, −1 — drawn as outside the prior — elsewhere). Null (nothing drawn) for an image without GT.
    /// </summary>
    private string? WriteAssignmentPicture(DenseDetector model, ImageBatch batch, string outputDir)
    {
        var (assignment, sizes) = model.ExplainAssignment(batch, 0);
        using var _ = assignment;
        if (assignment.Matches is null || assignment.NumGt == 0) return null;
        var png = Path.Combine(outputDir, $"assignment_{batch.ImageIds[0]}.png");
        var match = assignment.Matches[0];
        int rows = (int)batch.Targets![0].Boxes.shape[0], cols = (int)assignment.Classes.shape[1];
        var quality = new float[rows, cols];
        if (assignment.Qualities is not null)
        {
            var dense = assignment.Qualities[0].ToDense();                  // M × R row-major
            for (var i = 0; i < rows; i++)
                for (var r = 0; r < cols; r++) quality[i, r] = (float)dense[(long)i * cols + r];
        }
        else
        {
            for (var i = 0; i < rows; i++)
                for (var r = 0; r < cols; r++) quality[i, r] = -1f;                     // drawn as "outside the prior"
            for (var k = 0; k < match.Count; k++) quality[match.Rows[k], match.Columns[k]] = 1f;
        }
        var chosen = Enumerable.Repeat(-1L, rows).ToArray();
        for (var k = match.Count - 1; k >= 0; k--) chosen[match.Rows[k]] = match.Columns[k];   // the first positive of each GT
        var classes = HostCopy.Longs(batch.Targets![0].Classes);
        AssignmentPicture.Write(png, quality, sizes, chosen, new AssignmentPictureOptions
        {
            GtLabels = classes.Select((c, i) => $"{_dataset.ClassNames[(int)c]} #{i}").ToArray(),
        });
        return png;
    }
    private void Collect(long imageId, Detections dets, List<CocoDetection> into, List<CrowdHumanDetection>? crowd)
    {
        var boxes = HostCopy.Floats(dets.Boxes);     // (D, 4) XYXY, original frame
        var scores = HostCopy.Floats(dets.Scores);   // (D)
        var classes = HostCopy.Longs(dets.Classes);  // (D)
        for (var d = 0; d < scores.Length; d++)
            into.Add(CocoDetection.FromXyxy(imageId, _dataset.ToCategoryId((int)classes[d]),
                boxes[4 * d], boxes[4 * d + 1], boxes[4 * d + 2], boxes[4 * d + 3], scores[d]));
        if (crowd is null) return;
        var id = _dataset.Image(imageId).SourceId!;
        for (var d = 0; d < scores.Length; d++)
            crowd.Add(CrowdHumanDetection.FromXyxy(id, boxes[4 * d], boxes[4 * d + 1], boxes[4 * d + 2], boxes[4 * d + 3], scores[d]));
    }
}
