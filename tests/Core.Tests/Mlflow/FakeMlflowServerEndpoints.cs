using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Research.Core.Tests.Mlflow;

/// <summary>The endpoints of <see cref="FakeMlflowServer"/>: MLflow's answers, validation rules and error messages (notes §2–3).</summary>
public sealed partial class FakeMlflowServer
{
    private JsonObject GetExperimentByName(JsonObject body)
    {
        var name = Str(body, "experiment_name") ?? throw Missing("experiment_name");
        var e = Experiments.FirstOrDefault(kv => kv.Value.Name == name);
        if (e.Key is null) throw new ApiError(404, "RESOURCE_DOES_NOT_EXIST", $"Could not find experiment with name '{name}'");
        return new JsonObject { ["experiment"] = ExperimentJson(e.Key) };
    }

    private JsonObject CreateExperiment(JsonObject body)
    {
        var name = Str(body, "name");
        if (string.IsNullOrEmpty(name)) throw Missing("name");
        if (Experiments.Values.Any(e => e.Name == name)) throw new ApiError(400, "RESOURCE_ALREADY_EXISTS", $"Experiment '{name}' already exists.");
        var id = (_nextExperiment++).ToString(CultureInfo.InvariantCulture);
        Experiments[id] = (name, $"mlflow-artifacts:/{id}");
        return new JsonObject { ["experiment_id"] = id };
    }

    private JsonObject ExperimentJson(string id) => new()
    {
        ["experiment_id"] = id,
        ["name"] = Experiments[id].Name,
        ["artifact_location"] = Experiments[id].ArtifactLocation,
        ["lifecycle_stage"] = "active",
    };

    private JsonObject CreateRun(JsonObject body)
    {
        var expId = Str(body, "experiment_id") ?? "";
        if (!ExperimentIdPattern().IsMatch(expId)) throw Invalid($"Invalid experiment ID: '{expId}'");
        if (!Experiments.ContainsKey(expId)) throw new ApiError(404, "RESOURCE_DOES_NOT_EXIST", $"Could not find experiment with ID {expId}");
        var tags = KeyValues(body, "tags");
        foreach (var (k, v) in tags) ValidateTag(k, v);
        var runName = Str(body, "run_name");
        if (runName is not null && tags.TryGetValue("mlflow.runName", out var tagName) && tagName != runName)
            throw Invalid($"Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='{runName}', mlflow.runName='{tagName}').");
        runName ??= tags.GetValueOrDefault("mlflow.runName") ?? "thundering-finch-662";
        var id = Guid.NewGuid().ToString("N");
        var run = new Run
        {
            RunId = id, ExperimentId = expId, RunName = runName, UserId = Str(body, "user_id") ?? "",
            ArtifactUri = $"{Experiments[expId].ArtifactLocation}/{id}/artifacts", StartTime = Long(body["start_time"]) ?? 0,
        };
        foreach (var (k, v) in tags) run.Tags[k] = v;
        run.Tags["mlflow.runName"] = runName;
        Runs[id] = run;
        return new JsonObject { ["run"] = RunJson(run) };
    }

    private JsonObject UpdateRun(JsonObject body)
    {
        var run = FindRun(body);
        var status = Str(body, "status");
        if (status is "RUNNING" or "SCHEDULED" or "FINISHED" or "FAILED" or "KILLED") run.Status = status; // unknown: silently ignored
        if (Long(body["end_time"]) is { } end) run.EndTime = end;
        return new JsonObject { ["run_info"] = RunJson(run)["info"]!.DeepClone() };
    }

    private JsonObject LogBatch(JsonObject body)
    {
        var run = FindRun(body);
        var metrics = body["metrics"] as JsonArray ?? [];
        var parameters = body["params"] as JsonArray ?? [];
        var tags = body["tags"] as JsonArray ?? [];
        if (metrics.Count > 1000) throw Invalid($"A batch logging request can contain at most 1000 metrics. Got {metrics.Count} metrics. Please split up metrics across multiple requests and try again.");
        if (parameters.Count > 100) throw Invalid($"A batch logging request can contain at most 100 params. Got {parameters.Count} params. Please split up params across multiple requests and try again.");
        if (tags.Count > 100) throw Invalid($"A batch logging request can contain at most 100 tags. Got {tags.Count} tags. Please split up tags across multiple requests and try again.");
        var total = metrics.Count + parameters.Count + tags.Count;
        if (total > 1000) throw Invalid($"A batch logging request can contain at most 1000 metrics, params, and tags. Got {total} metrics, params, and tags. Please split up metrics, params, and tags across multiple requests and try again.");
        // Validate everything before writing anything (MLflow does).
        var points = new List<(string Key, long Ts, double Value, long Step)>();
        foreach (var m in metrics)
        {
            var key = Str(m!.AsObject(), "key") ?? "";
            ValidateName(key, "metric");
            if (m["timestamp"] is null || m["value"] is null) throw Invalid($"Invalid value {m.ToJsonString()} for parameter 'metrics' supplied. Hint: Value was of type 'list'.");
            points.Add((key, Long(m["timestamp"])!.Value, Value(m["value"]!), Long(m["step"]) ?? 0));
        }
        var newParams = new List<(string, string)>();
        var seen = new HashSet<string>();
        foreach (var p in parameters)
        {
            var key = Str(p!.AsObject(), "key") ?? "";
            var value = Str(p.AsObject(), "value") ?? "";
            ValidateName(key, "param");
            if (!seen.Add(key)) throw Invalid($"Duplicate parameter keys have been submitted: ['{key}']. Please ensure the request contains only one param value per param key.");
            if (key.Length > 250) throw Invalid($"Param key '{key}' had length {key.Length}, which exceeded length limit of 250");
            if (value.Length > 6000) throw Invalid($"Param value '{value[..20]}' had length {value.Length}, which exceeded length limit of 6000");
            if (run.Params.TryGetValue(key, out var old) && old != value)
                throw Invalid($"Changing param values is not allowed. Params were already logged='[{{'key': '{key}', 'old_value': '{old}', 'new_value': '{value}'}}]' for run ID='{run.RunId}'.");
            newParams.Add((key, value));
        }
        var kvTags = tags.Select(t => (Str(t!.AsObject(), "key") ?? "", Str(t.AsObject(), "value") ?? "")).ToList();
        foreach (var (k, v) in kvTags) ValidateTag(k, v);
        foreach (var (k, ts, v, s) in points)
        {
            if (!run.Metrics.TryGetValue(k, out var list)) run.Metrics[k] = list = [];
            list.Add((ts, v, s));
        }
        foreach (var (k, v) in newParams) run.Params[k] = v;
        foreach (var (k, v) in kvTags) run.Tags[k] = v;
        return new JsonObject();
    }

    private JsonObject SetTag(JsonObject body)
    {
        var run = FindRun(body);
        var key = Str(body, "key");
        if (string.IsNullOrEmpty(key)) throw Missing("key");
        var value = Str(body, "value") ?? "";
        ValidateTag(key, value);
        run.Tags[key] = value;
        return new JsonObject();
    }

    private JsonObject SearchRuns(JsonObject body)
    {
        var ids = (body["experiment_ids"] as JsonArray ?? []).Select(i => i!.GetValue<string>()).ToHashSet();
        var filter = Str(body, "filter");
        var runs = Runs.Values.Where(r => ids.Contains(r.ExperimentId));
        if (filter is not null)
        {
            var m = TagFilter().Match(filter);
            if (!m.Success) throw Invalid($"Invalid clause(s) in filter string: '{filter}'");
            runs = runs.Where(r => r.Tags.TryGetValue(m.Groups[1].Value, out var v) && v == m.Groups[2].Value);
        }
        var list = runs.OrderByDescending(r => r.StartTime).Select(r => (JsonNode)RunJson(r)).ToArray();
        return list.Length == 0 ? new JsonObject() : new JsonObject { ["runs"] = new JsonArray(list) };
    }

    private JsonObject History(JsonObject body)
    {
        var run = FindRun(body);
        var key = Str(body, "metric_key") ?? "";
        if (!run.Metrics.TryGetValue(key, out var list)) return new JsonObject();
        return new JsonObject { ["metrics"] = new JsonArray(list.Select(p => (JsonNode)MetricJson(key, p)).ToArray()) };
    }

    private JsonObject ListArtifacts(JsonObject body)
    {
        var run = FindRun(body);
        var root = run.ArtifactUri["mlflow-artifacts:/".Length..];
        var sub = Str(body, "path");
        var prefix = root + "/" + (string.IsNullOrEmpty(sub) ? "" : sub.TrimEnd('/') + "/");
        var entries = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var (path, bytes) in Artifacts.Where(a => a.Key.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var rest = path[prefix.Length..];
            var slash = rest.IndexOf('/');
            var rel = path[(root.Length + 1)..];
            if (slash < 0) entries[rel] = new JsonObject { ["path"] = rel, ["is_dir"] = false, ["file_size"] = bytes.Length };
            else { var dir = rel[..(rel.Length - rest.Length + slash)]; entries[dir] = new JsonObject { ["path"] = dir, ["is_dir"] = true }; }
        }
        var answer = new JsonObject { ["root_uri"] = run.ArtifactUri };
        if (entries.Count > 0) answer["files"] = new JsonArray(entries.Values.Select(e => (JsonNode)e).ToArray());
        return answer;
    }

    private Run FindRun(JsonObject body)
    {
        var id = Str(body, "run_id") ?? Str(body, "run_uuid");
        if (string.IsNullOrEmpty(id)) throw Missing("run_id");
        if (!RunIdPattern().IsMatch(id)) throw Invalid($"Invalid run ID: '{id}'");
        return Runs.TryGetValue(id, out var run) ? run : throw new ApiError(404, "RESOURCE_DOES_NOT_EXIST", $"Run with id={id} not found");
    }

    private static JsonObject RunJson(Run r)
    {
        var info = new JsonObject
        {
            ["run_uuid"] = r.RunId, ["experiment_id"] = r.ExperimentId, ["run_name"] = r.RunName, ["user_id"] = r.UserId,
            ["status"] = r.Status, ["start_time"] = r.StartTime, ["artifact_uri"] = r.ArtifactUri, ["lifecycle_stage"] = "active", ["run_id"] = r.RunId,
        };
        if (r.EndTime is { } end) info["end_time"] = end;
        var data = new JsonObject();
        if (r.Metrics.Count > 0)
            data["metrics"] = new JsonArray(r.Metrics.Select(kv => (JsonNode)MetricJson(kv.Key,
                kv.Value.MaxBy(p => (p.Step, p.Ts, p.Value)))).ToArray());
        if (r.Params.Count > 0) data["params"] = new JsonArray(r.Params.Select(kv => (JsonNode)new JsonObject { ["key"] = kv.Key, ["value"] = kv.Value }).ToArray());
        if (r.Tags.Count > 0) data["tags"] = new JsonArray(r.Tags.Select(kv => (JsonNode)new JsonObject { ["key"] = kv.Key, ["value"] = kv.Value }).ToArray());
        return new JsonObject { ["info"] = info, ["data"] = data, ["inputs"] = new JsonObject() };
    }

    private static JsonObject MetricJson(string key, (long Ts, double Value, long Step) p) => new()
    {
        ["key"] = key,
        ["value"] = double.IsNaN(p.Value) ? "NaN" : double.IsPositiveInfinity(p.Value) ? "Infinity" : double.IsNegativeInfinity(p.Value) ? "-Infinity" : JsonValue.Create(p.Value),
        ["timestamp"] = p.Ts,
        ["step"] = p.Step,
    };

    private static void ValidateTag(string key, string value)
    {
        ValidateName(key, "tag");
        if (value.Length > 5000) throw Invalid($"Tag value '{value[..20]}' had length {value.Length}, which exceeded length limit of 5000");
    }

    // Written independently of the client's MlflowNames so the client's checks are tested, not assumed.
    private static void ValidateName(string key, string kind)
    {
        if (key.Length == 0) throw Missing("key");
        if (!NameCharacters().IsMatch(key))
            throw Invalid($"Invalid {kind} name: '{key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/).");
        if (key.StartsWith('/') || key.EndsWith('/') || key.Contains("//") || key.Split('/').Any(s => s is "." or ".."))
            throw Invalid($"Invalid {kind} name: '{key}'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such.");
    }

    private static Dictionary<string, string> KeyValues(JsonObject body, string name) =>
        (body[name] as JsonArray ?? []).ToDictionary(t => Str(t!.AsObject(), "key") ?? "", t => Str(t!.AsObject(), "value") ?? "");

    private static string? Str(JsonObject o, string key) => o[key] is JsonValue v ? v.ToString() : null;

    private static long? Long(JsonNode? n) => n is null ? null : long.Parse(n.ToString(), CultureInfo.InvariantCulture);

    private static double Value(JsonNode n)
    {
        var s = n.ToString();
        return s switch
        {
            "NaN" => double.NaN,
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            _ => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d
                : throw Invalid($"Invalid value {s} for parameter 'value' supplied. Hint: Value was of type 'str'."),
        };
    }

    [GeneratedRegex(@"^[/\w.\- ]*$")] private static partial Regex NameCharacters();
    [GeneratedRegex(@"^[a-zA-Z0-9][\w\-]{0,255}$")] private static partial Regex RunIdPattern();
    [GeneratedRegex(@"^[a-zA-Z0-9][\w\-]{0,63}$")] private static partial Regex ExperimentIdPattern();
    [GeneratedRegex(@"^tags\.`?([\w.]+)`?\s*=\s*'([^']*)'$")] private static partial Regex TagFilter();

}
