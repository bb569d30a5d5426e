using System.Collections.Concurrent;

namespace Research.Core.Evaluation;

/// <summary>
/// COCO bbox evaluation with pycocotools COCOeval semantics (iouType 'bbox', default parameters): the 12 summary
/// numbers and per-category AP equal pycocotools' on the same inputs (bit for bit on the known-answer fixtures).
/// Differences, all where pycocotools fails: an empty detection list evaluates (precision/recall 0 where GT
/// exist, −1 elsewhere) instead of raising IndexError; a detection on an image absent from the ground truth is
/// refused with its image id instead of an anonymous AssertionError; a duplicate annotation id is refused.
/// An annotation id of 0 is scored as pycocotools scores it, because papers report pycocotools' numbers: a detection
/// matched to it counts as a false positive (ignored when its own area is outside the range), and that GT is used up
/// (<see cref="CocoGroundTruth.Warnings"/> says so).
/// Work is split over (image, category) entries and then over categories; every output element is written by
/// exactly one task in a fixed order, so results do not depend on the degree of parallelism.
/// </summary>
public static class CocoEvaluator
{
    /// <summary>
    /// Evaluates in-memory detections (e.g. from the training loop) against a ground truth. The order of
    /// <paramref name="detections"/> matters only to break score ties (earlier wins, as in a results file).
    /// Detections whose category is not in the ground truth are left out (as pycocotools does; counted in
    /// <see cref="CocoEvalResult.DetectionsLeftOut"/>).
    /// </summary>
    /// <param name="groundTruth">Images, categories and annotations.</param>
    /// <param name="detections">XYWH boxes in the original image frame with COCO category ids.</param>
    /// <param name="detectionsSource">Name of the detections in error messages (file path, "validation run", ...).</param>
    /// <param name="maxDegreeOfParallelism">Threads to use; −1 for all cores. Results are identical for every value.</param>
    /// <exception cref="InvalidDataException">A detection names an image not in the ground truth, or has a non-finite/negative box or score.</exception>
    public static CocoEvalResult Evaluate(CocoGroundTruth groundTruth, IReadOnlyList<CocoDetection> detections,
        string detectionsSource = "detections", int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(groundTruth);
        ArgumentNullException.ThrowIfNull(detections);
        var layout = EvaluationLayout.Build(groundTruth, detections, detectionsSource, out var annotationsLeftOut, out var detectionsLeftOut);
        int t = CocoEvalParameters.IouThresholds.Count, r = CocoEvalParameters.RecallThresholds.Count;
        int k = layout.CategoryCount, a = CocoEvalParameters.AreaRanges.Count, m = CocoEvalParameters.MaxDetections.Count;
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };

        // evaluateImg per (category, image) entry.
        var outcomes = new uint[layout.DetSlotCount * a];
        var positives = new int[layout.EntryCount * a];
        if (layout.EntryCount > 0)
        {
            var chunk = Math.Max(64, layout.EntryCount / (8 * Environment.ProcessorCount));
            Parallel.ForEach(Partitioner.Create(0, layout.EntryCount, chunk), options,
                () => new ImageCategoryMatcher.Scratch(),
                (range, _, scratch) =>
                {
                    for (var e = range.Item1; e < range.Item2; e++) ImageCategoryMatcher.Evaluate(layout, e, scratch, outcomes, positives);
                    return scratch;
                },
                _ => { });
        }

        // accumulate per category.
        var precision = new double[t * r * k * a * m];
        var recall = new double[t * k * a * m];
        Array.Fill(precision, -1.0);
        Array.Fill(recall, -1.0);
        Parallel.For(0, k, options, ki => PrecisionAccumulator.Accumulate(layout, ki, outcomes, positives, precision, recall));

        return new CocoEvalResult(groundTruth.CategoryIds, precision, recall, groundTruth.ImageIds.Count,
            layout.DetSlotCount, detectionsLeftOut, annotationsLeftOut);
    }

    /// <summary>Loads a COCO instances json and a results json and evaluates them (see <see cref="Evaluate"/>).</summary>
    /// <param name="groundTruthPath">The instances json.</param>
    /// <param name="detectionsPath">The results json.</param>
    /// <param name="maxDegreeOfParallelism">Threads to use; −1 for all cores.</param>
    /// <param name="warn">Receives the ground truth's warnings (<see cref="CocoGroundTruth.Warnings"/>); default: standard error.</param>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="InvalidDataException">A file is corrupt, misses a field, or a detection names an unknown image; the message names the file.</exception>
    public static CocoEvalResult EvaluateFiles(string groundTruthPath, string detectionsPath, int maxDegreeOfParallelism = -1,
        Action<string>? warn = null) =>
        Evaluate(CocoGroundTruth.Load(groundTruthPath, warn), CocoDetections.Load(detectionsPath), detectionsPath, maxDegreeOfParallelism);
}
