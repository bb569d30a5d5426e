using Research.Core.Assignment;
using Research.Core.Data;
using Research.Core.Inference;
using Research.Core.Modeling;
using Research.Core.Modeling.Head;
using Research.Core.Runtime;
using Research.Core.Visualization;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Evaluation;

/// <summary>One way of post-processing the same network outputs, evaluated under its own metric prefix.</summary>
/// <param name="Prefix">Metric prefix, e.g. <c>bbox/</c> (no NMS) or <c>bbox_nms/</c>.</param>
/// <param name="Settings">Post-processing settings (score threshold, top-k, NMS threshold, detections per image).</param>
public sealed record EvaluationVariant(string Prefix, InferenceSettings Settings);

/// <summary>What one evaluation produced: metrics (prefix + COCO stat name) and the files it wrote.</summary>
public sealed record DetectorEvaluationReport(IReadOnlyDictionary<string, double> Metrics, IReadOnlyList<string> Files);

/// <summary>
/// COCO evaluation of a detector on a validation set: one forward pass per batch, post-processed by every
/// variant (e.g. without NMS — the DeFCN setting — and with NMS, to show the NMS-free claim honestly),
/// each evaluated with pycocotools semantics against the set's annotation file. Writes each variant's
/// results json and a few pictures of detections next to the ground truth.
/// </summary>
public sealed class DetectorEvaluator
{
    private readonly CocoDataset _dataset;
    private readonly InputOptions _input;
    private readonly int _batchSize;
    private readonly IReadOnlyList<EvaluationVariant> _variants;
    private readonly CocoGroundTruth _groundTruth;
    private readonly int _pictures;
    private readonly double _pictureScoreThresh;
    private readonly PotoAssigner? _assigner;

    /// <summary>
    /// Creates an evaluator; the ground truth is read once from the dataset's annotation file. With an
    /// <paramref name="assigner"/>, the first image's POTO assignment is drawn too (candidate quality per level,
    /// the chosen shift of each GT), as the model sees it at this point of training.
    /// </summary>
    public DetectorEvaluator(CocoDataset dataset, InputOptions input, int batchSize, IReadOnlyList<EvaluationVariant> variants,
        int pictures = 4, double pictureScoreThresh = 0.3, PotoAssigner? assigner = null)
    {
        _assigner = assigner;
        if (variants.Count == 0) throw new ArgumentException("at least one evaluation variant is needed", nameof(variants));
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be positive");
        _dataset = dataset;
        _input = input;
        _batchSize = batchSize;
        _variants = variants;
        _pictures = Math.Max(0, pictures);
        _pictureScoreThresh = pictureScoreThresh;
        _groundTruth = CocoGroundTruth.Load(dataset.AnnotationFile);
    }

    /// <summary>The variants, in order.</summary>
    public IReadOnlyList<EvaluationVariant> Variants => _variants;

    /// <summary>
    /// Evaluates <paramref name="model"/> (eval mode, no gradients; its training flag is restored) and
    /// writes <c>detections_&lt;prefix&gt;.json</c> and pictures into <paramref name="outputDir"/>.
    /// </summary>
    public DetectorEvaluationReport Evaluate(Defcn model, string outputDir, Action<int, int>? progress = null)
    {
        Directory.CreateDirectory(outputDir);
        var processors = _variants.Select(v => new DetectionPostProcessor(v.Settings)).ToArray();
        var results = _variants.Select(_ => new List<CocoDetection>()).ToArray();
        var pictureDets = new Dictionary<long, IReadOnlyList<DrawnBox>>();
        var files = new List<string>();
        var device = model.parameters().FirstOrDefault()?.device ?? CPU;
        var wasTraining = model.training;
        model.eval();
        try
        {
            var loader = new EvalBatchLoader(_dataset, _input, _batchSize, withTargets: _assigner != null && _pictures > 0);
            var done = 0;
            foreach (var batch in loader)
            {
                using var b = batch;
                using var scope = NewDisposeScope();
                using var _ = no_grad();
                var images = b.Images.to(device);
                using var outputs = model.forward(images);
                var shifts = model.Shifts(outputs);
                if (done == 0 && _assigner != null && _pictures > 0 && b.Targets != null)
                    files.Add(WriteAssignmentPicture(outputs, shifts, b, outputDir));
                for (var v = 0; v < processors.Length; v++)
                {
                    var dets = processors[v].Process(outputs, shifts, b.ImageSizes, b.OriginalSizes);
                    for (var i = 0; i < dets.Count; i++)
                    {
                        Collect(b.ImageIds[i], dets[i], results[v]);
                        if (v == 0 && pictureDets.Count < _pictures)
                            pictureDets[b.ImageIds[i]] = DetectionPicture.FromTensors(dets[i].Boxes.cpu(), dets[i].Classes.cpu(), dets[i].Scores.cpu());
                    }
                }
                done += b.Count;
                progress?.Invoke(done, _dataset.Images.Count);
            }
        }
        finally
        {
            if (wasTraining) model.train();
        }

        var metrics = new Dictionary<string, double>();
        for (var v = 0; v < _variants.Count; v++)
        {
            var prefix = _variants[v].Prefix;
            var result = CocoEvaluator.Evaluate(_groundTruth, results[v], $"{prefix} detections");
            foreach (var (k, value) in result.ToMetrics(prefix)) metrics[k] = value;
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

    /// <summary>POTO's quality matrix (M × R, −1 outside the prior) of the batch's first image, drawn per level.</summary>
    private string WriteAssignmentPicture(HeadOutputs outputs, Tensor[] shifts, ImageBatch batch, string outputDir)
    {
        var (logits, deltas, filter) = outputs.Flatten();                  // (N, R, K), (N, R, 4), (N, R, 1)
        var sizes = outputs.LevelSizes.Select(s => ((int)s.Height, (int)s.Width)).ToArray();
        var targets = batch.Targets!.Select(t => t.Boxes.device == logits.device ? t : t.To(logits.device)).ToArray();
        using var poto = _assigner!.Assign(logits, deltas, filter, cat(shifts, 0), sizes, targets);
        var problem = poto.Qualities[0];
        var dense = problem.ToDense();                                      // M × R row-major
        var quality = new float[problem.Rows, problem.Cols];
        for (var i = 0; i < problem.Rows; i++)
            for (var r = 0; r < problem.Cols; r++) quality[i, r] = (float)dense[(long)i * problem.Cols + r];
        var chosen = Enumerable.Repeat(-1L, problem.Rows).ToArray();
        var match = poto.Matches[0];
        for (var k = 0; k < match.Count; k++) chosen[match.Rows[k]] = match.Columns[k];
        var classes = HostCopy.Longs(batch.Targets![0].Classes);
        var png = Path.Combine(outputDir, $"assignment_{batch.ImageIds[0]}.png");
        AssignmentPicture.Write(png, quality, sizes, chosen, new AssignmentPictureOptions
        {
            GtLabels = classes.Select((c, i) => $"{_dataset.ClassNames[(int)c]} #{i}").ToArray(),
        });
        return png;
    }

    private void Collect(long imageId, Detections dets, List<CocoDetection> into)
    {
        var boxes = HostCopy.Floats(dets.Boxes);     // (D, 4) XYXY, original frame
        var scores = HostCopy.Floats(dets.Scores);   // (D)
        var classes = HostCopy.Longs(dets.Classes);  // (D)
        for (var d = 0; d < scores.Length; d++)
            into.Add(CocoDetection.FromXyxy(imageId, _dataset.ToCategoryId((int)classes[d]),
                boxes[4 * d], boxes[4 * d + 1], boxes[4 * d + 2], boxes[4 * d + 3], scores[d]));
    }
}
