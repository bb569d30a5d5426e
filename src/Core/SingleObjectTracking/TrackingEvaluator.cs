using Research.Core.Runtime;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Research.Core.Data;
using Research.Core.Data.Crops;
using Research.Core.Inference;
using Research.Core.Detectors;
using SkiaSharp;

namespace Research.Core.SingleObjectTracking;

/// <summary>One sequence tracked: per-frame boxes and scores, its one-pass scores and the baseline's, and timing.</summary>
/// <param name="Name">Sequence name (its folder name).</param>
/// <param name="Predicted">One state box per frame (XYXY frame pixels); frame 0 is the given first box.</param>
/// <param name="Scores">Score of the detection used at each frame (1 at frame 0, 0 where the box was kept).</param>
/// <param name="Tracker">One-pass evaluation of <paramref name="Predicted"/>.</param>
/// <param name="Baseline">One-pass evaluation of the fixed first box (<see cref="FixedBoxBaseline"/>).</param>
/// <param name="Seconds">Wall time of frames 1..N−1: frame decoding, normalisation, crop, network, update.</param>
public sealed record SequenceTrackingResult(string Name, IReadOnlyList<BoxXyxy> Predicted, IReadOnlyList<double> Scores,
    OnePassResult Tracker, OnePassResult Baseline, double Seconds)
{
    /// <summary>Tracked frames per second (frames after the first / <see cref="Seconds"/>).</summary>
    public double FramesPerSecond => Predicted.Count > 1 && Seconds > 0 ? (Predicted.Count - 1) / Seconds : 0;
}

/// <summary>What an evaluation over sequences produced: metrics, per-sequence results, and the files written.</summary>
/// <param name="Metrics">
/// <c>ope/success_auc</c>, <c>ope/precision_20</c> (averaged over sequences, OTB style), <c>ope/fps</c> (all tracked
/// frames / all tracking time), <c>ope_baseline/success_auc</c> and <c>ope_baseline/precision_20</c> of the
/// fixed-box baseline on the same sequences.
/// </param>
/// <param name="Sequences">Per sequence, in input order.</param>
/// <param name="Files">Files written under the output folder.</param>
public sealed record TrackingReport(IReadOnlyDictionary<string, double> Metrics, IReadOnlyList<SequenceTrackingResult> Sequences,
    IReadOnlyList<string> Files);

/// <summary>
/// One-pass evaluation of the DeFCN single-object tracker on sequences: each sequence is tracked from its first
/// ground-truth box (<see cref="TrackerUpdate.Run"/>), scored against its ground truth next to the fixed-box
/// baseline, and written out: per sequence <c>NAME/predictions.txt</c> (one <c>x,y,w,h</c> line per frame, the
/// ground-truth format), <c>NAME/frames.csv</c> (box, score, IoU, centre error per frame) and
/// <c>NAME/strip.png</c> (frames with true and predicted boxes); over all, <c>success_plot.png</c> (tracker
/// and baseline) and <c>sequences.csv</c>.
/// </summary>
public sealed class TrackingEvaluator
{
    private readonly IReadOnlyList<TrackingSequence> _sequences;
    private readonly TrackerOptions _options;
    private readonly FrameNormalization _normalization;
    private readonly int _stripFrames;

    /// <summary>
    /// sequences: what to track; options: the tracker's crop and update settings; normalization: the detector's
    /// input space; stripFrames: frames per PNG strip (0: no strips).
    /// </summary>
    public TrackingEvaluator(IReadOnlyList<TrackingSequence> sequences, TrackerOptions options, FrameNormalization normalization, int stripFrames = 8)
    {
        if (sequences.Count == 0) throw new ArgumentException("no sequences to track");
        options.Validate();
        normalization.Validate();
        _sequences = sequences;
        _options = options;
        _normalization = normalization;
        _stripFrames = Math.Max(0, stripFrames);
    }

    /// <summary>The sequences, in order.</summary>
    public IReadOnlyList<TrackingSequence> Sequences => _sequences;

    /// <summary>
    /// Tracks every sequence with <paramref name="model"/> (eval mode, no gradients; its training flag is
    /// restored), writes the files into <paramref name="outputDir"/> and returns the report. progress gets
    /// (sequence index, sequence count, that sequence's result) after each sequence. Throws
    /// <see cref="OperationCanceledException"/> between sequences once <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public TrackingReport Evaluate(DenseDetector model, string outputDir, InferenceSettings? inference = null,
        Action<int, int, SequenceTrackingResult>? progress = null, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(outputDir);
        var detector = new CropDetector(model, inference);
        var results = new List<SequenceTrackingResult>(_sequences.Count);
        var files = new List<string>();
        var wasTraining = model.training;
        model.eval();
        try
        {
            for (var s = 0; s < _sequences.Count; s++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var sequence = _sequences[s];
                var result = Track(sequence, detector.Detect);
                results.Add(result);
                files.AddRange(WriteSequence(sequence, result, Path.Combine(outputDir, SafeName(sequence.Name))));
                progress?.Invoke(s, _sequences.Count, result);
            }
        }
        finally
        {
            if (wasTraining) model.train();
        }

        var tracker = OnePassEvaluation.Average(results.Select(r => r.Tracker).ToArray());
        var baseline = OnePassEvaluation.Average(results.Select(r => r.Baseline).ToArray());
        var frames = results.Sum(r => Math.Max(0, r.Predicted.Count - 1));
        var seconds = results.Sum(r => r.Seconds);
        var metrics = new Dictionary<string, double>
        {
            ["ope/success_auc"] = tracker.SuccessAuc,
            ["ope/precision_20"] = tracker.PrecisionAt20,
            ["ope/fps"] = seconds > 0 ? frames / seconds : 0,
            ["ope_baseline/success_auc"] = baseline.SuccessAuc,
            ["ope_baseline/precision_20"] = baseline.PrecisionAt20,
        };
        var plot = Path.Combine(outputDir, "success_plot.png");
        SuccessPlot.Save(plot, new[] { ("DeFCN tracker", tracker), ("fixed first box", baseline) },
            $"Success plot of OPE ({results.Count} sequence{(results.Count == 1 ? "" : "s")})");
        files.Add(plot);
        var table = Path.Combine(outputDir, "sequences.csv");
        AtomicFile.WriteAllText(table, SequenceTable(results));
        files.Add(table);
        return new TrackingReport(metrics, results, files);
    }

    /// <summary>Tracks one sequence from its first ground-truth box and scores it (no files written).</summary>
    public SequenceTrackingResult Track(TrackingSequence sequence, DetectInCrop detect)
    {
        var watch = new Stopwatch();
        var steps = TrackerUpdate.Run(sequence.Count, i =>
        {
            if (!watch.IsRunning) watch.Start();
            using var raw = sequence.LoadFrame(i);
            return _normalization.Apply(raw);
        }, sequence.GroundTruth[0], detect, _options);
        watch.Stop();
        var predicted = steps.Select(r => r.Box).ToArray();
        var scores = steps.Select(r => r.Score).ToArray();
        var tracker = OnePassEvaluation.Evaluate(predicted, sequence.GroundTruth);
        var baseline = OnePassEvaluation.Evaluate(FixedBoxBaseline.Track(sequence.GroundTruth), sequence.GroundTruth);
        return new SequenceTrackingResult(sequence.Name, predicted, scores, tracker, baseline, watch.Elapsed.TotalSeconds);
    }

    private IEnumerable<string> WriteSequence(TrackingSequence sequence, SequenceTrackingResult result, string dir)
    {
        Directory.CreateDirectory(dir);
        var predictions = Path.Combine(dir, "predictions.txt");
        AtomicFile.WriteAllText(predictions, string.Concat(result.Predicted.Select(b => GroundTruthFile.Format(b) + "\n")));
        yield return predictions;

        var csv = new StringBuilder("frame,x,y,w,h,score,iou,center_error\n");
        for (var i = 0; i < result.Predicted.Count; i++)
        {
            var b = result.Predicted[i];
            csv.Append(CultureInfo.InvariantCulture, $"{i + 1},{b.X1:R},{b.Y1:R},{b.Width:R},{b.Height:R},{result.Scores[i]:R},{result.Tracker.Ious[i]:R},{result.Tracker.CenterErrors[i]:R}\n");
        }
        var frames = Path.Combine(dir, "frames.csv");
        AtomicFile.WriteAllText(frames, csv.ToString());
        yield return frames;

        if (_stripFrames > 0)
        {
            var strip = Path.Combine(dir, "strip.png");
            FrameStrip.Save(strip, FrameStrip.EvenlySpaced(sequence.Count, _stripFrames),
                i => SKBitmap.Decode(sequence.FramePaths[i]) ?? throw new InvalidDataException($"{sequence.FramePaths[i]}: not a decodable image"),
                sequence.GroundTruth, result.Predicted);
            yield return strip;
        }
    }

    private static string SequenceTable(IReadOnlyList<SequenceTrackingResult> results)
    {
        var text = new StringBuilder("sequence,frames,success_auc,precision_20,baseline_success_auc,baseline_precision_20,fps\n");
        foreach (var r in results)
            text.Append(CultureInfo.InvariantCulture,
                $"{r.Name},{r.Predicted.Count},{r.Tracker.SuccessAuc:R},{r.Tracker.PrecisionAt20:R},{r.Baseline.SuccessAuc:R},{r.Baseline.PrecisionAt20:R},{r.FramesPerSecond:R}\n");
        return text.ToString();
    }

    /// <summary>A folder name for a sequence name (characters unsafe in paths replaced by '_').</summary>
    public static string SafeName(string name)
    {
        var safe = new string(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());
        return safe.Length == 0 || safe is "." or ".." ? "sequence" : safe;
    }
}
