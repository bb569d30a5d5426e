using System.Globalization;
using System.Text.Json.Nodes;

namespace Research.Core.Mlflow;

/// <summary>
/// JSON shapes of MLflow's REST API 2.0 (notes/mlflow-formats.md §1–2): empty fields omitted, int64 as
/// numbers (strings accepted), non-finite metric values as the strings <c>NaN</c>, <c>Infinity</c>, <c>-Infinity</c>.
/// </summary>
internal static class RestJson
{
    public static JsonNode MetricValue(double v) =>
        double.IsNaN(v) ? JsonValue.Create("NaN")
        : double.IsPositiveInfinity(v) ? JsonValue.Create("Infinity")
        : double.IsNegativeInfinity(v) ? JsonValue.Create("-Infinity")
        : JsonValue.Create(v);

    public static JsonObject Metric(MetricPoint p) => new()
    {
        ["key"] = p.Key,
        ["value"] = MetricValue(p.Value),
        ["timestamp"] = p.TimestampMs,
        ["step"] = p.Step,
    };

    public static JsonArray KeyValues(IEnumerable<KeyValuePair<string, string>> items) =>
        new(items.Select(kv => (JsonNode)new JsonObject { ["key"] = kv.Key, ["value"] = kv.Value }).ToArray());

    public static double ReadDouble(JsonNode? node)
    {
        if (node is null) return 0;
        var v = node.AsValue();
        if (v.TryGetValue<double>(out var d)) return d;
        var s = v.GetValue<string>();
        return s switch
        {
            "NaN" or "nan" => double.NaN,
            "Infinity" or "inf" => double.PositiveInfinity,
            "-Infinity" or "-inf" => double.NegativeInfinity,
            _ => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
    }

    public static long? ReadLong(JsonNode? node)
    {
        if (node is null) return null;
        var v = node.AsValue();
        if (v.TryGetValue<long>(out var l)) return l;
        if (v.TryGetValue<double>(out var d)) return (long)d;
        return long.Parse(v.GetValue<string>(), CultureInfo.InvariantCulture);
    }

    public static string? ReadString(JsonNode? node) => node?.GetValue<string>();

    public static MetricPoint ReadMetric(JsonNode m) =>
        new(ReadString(m["key"]) ?? "", ReadDouble(m["value"]), ReadLong(m["timestamp"]) ?? 0, ReadLong(m["step"]) ?? 0);

    public static Dictionary<string, string> ReadKeyValues(JsonNode? array)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (array is JsonArray a)
            foreach (var kv in a) result[ReadString(kv!["key"]) ?? ""] = ReadString(kv!["value"]) ?? "";
        return result;
    }

    public static RunInfo ReadRunInfo(JsonNode info) => new(
        ReadString(info["run_id"]) ?? ReadString(info["run_uuid"]) ?? throw new TrackingException("Server answer has a run without run_id."),
        ReadString(info["experiment_id"]) ?? "",
        ReadString(info["run_name"]),
        ReadString(info["user_id"]) ?? "",
        RunStatusNames.Parse(ReadString(info["status"]) ?? "RUNNING"),
        ReadLong(info["start_time"]) ?? 0,
        ReadLong(info["end_time"]),
        ReadString(info["artifact_uri"]) ?? "",
        ReadString(info["lifecycle_stage"]) ?? "active");

    public static RunRecord ReadRun(JsonNode run)
    {
        var data = run["data"];
        var metrics = new Dictionary<string, MetricPoint>(StringComparer.Ordinal);
        if (data?["metrics"] is JsonArray ms)
            foreach (var m in ms) { var p = ReadMetric(m!); metrics[p.Key] = p; }
        return new RunRecord(ReadRunInfo(run["info"]!), ReadKeyValues(data?["params"]), metrics, ReadKeyValues(data?["tags"]));
    }

    public static ExperimentInfo ReadExperiment(JsonNode e) => new(
        ReadString(e["experiment_id"]) ?? "",
        ReadString(e["name"]) ?? "",
        ReadString(e["artifact_location"]) ?? "",
        ReadString(e["lifecycle_stage"]) ?? "active",
        ReadLong(e["creation_time"]),
        ReadLong(e["last_update_time"]),
        ReadKeyValues(e["tags"]));
}
