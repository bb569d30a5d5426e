using System.Text;
using System.Text.Json;

namespace Research.Core.Evaluation;

/// <summary>
/// The outcome of a CrowdHuman evaluation (<see cref="CrowdHumanEvaluator"/>): the three numbers DeFCN reports, as
/// fractions (the paper's "AP 88.7" is 0.887 here), the quantities behind them and the notes on cases where the
/// official tool fails.
/// </summary>
public sealed class CrowdHumanEvalResult
{
    internal CrowdHumanEvalResult()
    {
    }

    /// <summary>AP at IoU 0.5: the official trapezoid over the ranked list ("AP" of cvpods, AP50 in DeFCN's tables).</summary>
    public double Ap { get; internal init; }

    /// <summary>mMR: exp of the mean log miss rate at the 9 <see cref="CrowdHumanEvaluator.FppiReferences"/> (lower is better).</summary>
    public double MissRate { get; internal init; }

    /// <summary>Recall of all ranked detections: true positives / P.</summary>
    public double Recall { get; internal init; }

    /// <summary>The miss rate taken at each FPPI reference (first point with fppi ≥ reference, else the last point).</summary>
    public IReadOnlyList<double> MissRateAtReferences { get; internal init; } = Array.Empty<double>();

    /// <summary>P, the number of ground-truth boxes that are not ignore regions.</summary>
    public int Positives { get; internal init; }

    /// <summary>Images of the ground truth (all of them count in FPPI, with or without detections).</summary>
    public int ImageCount { get; internal init; }

    /// <summary>Detections given.</summary>
    public int DetectionCount { get; internal init; }

    /// <summary>Detections dropped because they fell on an ignore region (not in <see cref="Ranked"/>).</summary>
    public int DroppedOnIgnore { get; internal init; }

    /// <summary>The detections of the curves in rank order, with their true/false-positive label.</summary>
    public IReadOnlyList<CrowdHumanRankedDetection> Ranked { get; internal init; } = Array.Empty<CrowdHumanRankedDetection>();

    /// <summary>One line per case the official tool cannot evaluate and the value given instead; empty otherwise.</summary>
    public IReadOnlyList<string> Notes { get; internal init; } = Array.Empty<string>();

    /// <summary>The three numbers keyed <c>{prefix}AP50</c>, <c>{prefix}mMR</c>, <c>{prefix}recall</c>, for metric logging.</summary>
    public IReadOnlyDictionary<string, double> ToMetrics(string prefix = "crowd/") => new Dictionary<string, double>
    {
        [prefix + "AP50"] = Ap,
        [prefix + "mMR"] = MissRate,
        [prefix + "recall"] = Recall,
    };

    /// <summary>
    /// One JSON object with the metrics (<see cref="ToMetrics"/> names, shortest round-trip numbers), positives, images,
    /// detections, ranked, dropped_on_ignore and notes.
    /// </summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in ToMetrics()) writer.WriteNumber(key, value);
            writer.WriteNumber("positives", Positives);
            writer.WriteNumber("images", ImageCount);
            writer.WriteNumber("detections", DetectionCount);
            writer.WriteNumber("ranked", Ranked.Count);
            writer.WriteNumber("dropped_on_ignore", DroppedOnIgnore);
            writer.WriteStartArray("notes");
            foreach (var note in Notes) writer.WriteStringValue(note);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
