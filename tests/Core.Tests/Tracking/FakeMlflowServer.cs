using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Research.Core.Tests.Tracking;

/// <summary>
/// An in-process MLflow tracking server (System.Net.HttpListener on 127.0.0.1, a free port) holding runs in
/// memory. It enforces the validation rules and error shapes observed on MLflow 2.10.2 (notes/mlflow-formats.md
/// §1–4; SQLite-store wording) independently of the client's own checks, and can simulate outages: not
/// listening (<see cref="Stop"/>/<see cref="Start"/>), failing the next N requests with 503/429/HTML 500, and slow answers.
/// </summary>
public sealed partial class FakeMlflowServer : IDisposable
{
    private readonly object _gate = new();
    private HttpListener? _listener;
    private Thread? _loop;
    private int _failNext;
    private int _failStatus = 503;
    private int _nextExperiment = 1;

    public sealed class Run
    {
        public required string RunId, ExperimentId, RunName, UserId, ArtifactUri;
        public string Status = "RUNNING";
        public long StartTime;
        public long? EndTime;
        public readonly Dictionary<string, string> Params = new(StringComparer.Ordinal);
        public readonly Dictionary<string, string> Tags = new(StringComparer.Ordinal);
        public readonly Dictionary<string, List<(long Ts, double Value, long Step)>> Metrics = new(StringComparer.Ordinal);
    }

    public FakeMlflowServer(bool start = true, string? requiredAuthorization = null)
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        RequiredAuthorization = requiredAuthorization;
        Experiments["0"] = ("Default", "mlflow-artifacts:/0");
        if (start) Start();
    }

    public int Port { get; }
    public string Uri => $"http://127.0.0.1:{Port}";
    public string? RequiredAuthorization { get; }
    public TimeSpan Delay { get; set; }
    public int RequestCount;
    public readonly List<string> AuthorizationHeaders = [];
    public readonly Dictionary<string, (string Name, string ArtifactLocation)> Experiments = new(StringComparer.Ordinal);
    public readonly Dictionary<string, Run> Runs = new(StringComparer.Ordinal);
    public readonly Dictionary<string, byte[]> Artifacts = new(StringComparer.Ordinal);

    /// <summary>The next <paramref name="count"/> API requests fail with <paramref name="status"/> (503, 429, or 500 as an HTML page).</summary>
    public void FailNext(int count, int status = 503)
    {
        lock (_gate) { _failNext = count; _failStatus = status; }
    }

    public void Start()
    {
        lock (_gate)
        {
            if (_listener is not null) return;
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            listener.Start();
            _listener = listener;
            _loop = new Thread(() => Serve(listener)) { IsBackground = true };
            _loop.Start();
        }
    }

    public void Stop()
    {
        HttpListener? l;
        lock (_gate) { l = _listener; _listener = null; }
        l?.Close();
        _loop?.Join(2000);
    }

    public List<(long Ts, double Value, long Step)> History(string runId, string key)
    {
        lock (_gate) return Runs[runId].Metrics.TryGetValue(key, out var h) ? h.ToList() : [];
    }

    private void Serve(HttpListener listener)
    {
        while (true)
        {
            HttpListenerContext ctx;
            try { ctx = listener.GetContext(); }
            catch (Exception) { return; }
            try { Handle(ctx); }
            catch (Exception e) { Reply(ctx, 500, "text/html", $"<html><body>Internal Server Error: {WebUtility.HtmlEncode(e.Message)}</body></html>"); }
        }
    }

    private void Handle(HttpListenerContext ctx)
    {
        var req = ctx.Request;
        var path = req.Url!.AbsolutePath;
        Interlocked.Increment(ref RequestCount);
        if (Delay > TimeSpan.Zero) Thread.Sleep(Delay);
        lock (_gate) AuthorizationHeaders.Add(req.Headers["Authorization"] ?? "");
        if (RequiredAuthorization is not null && req.Headers["Authorization"] != RequiredAuthorization)
        {
            Reply(ctx, 401, "text/plain", "You are not authenticated. Please see the documentation.");
            return;
        }
        lock (_gate)
        {
            if (_failNext > 0)
            {
                _failNext--;
                if (_failStatus == 500) Reply(ctx, 500, "text/html", "<!doctype html><title>500 Internal Server Error</title>");
                else Reply(ctx, _failStatus, "text/plain", "Service Unavailable");
                return;
            }
        }
        if (path == "/health") { Reply(ctx, 200, "text/plain", "OK"); return; }
        const string artifactPrefix = "/api/2.0/mlflow-artifacts/artifacts/";
        if (path.StartsWith(artifactPrefix, StringComparison.Ordinal))
        {
            var rel = System.Uri.UnescapeDataString(path[artifactPrefix.Length..]);
            if (rel.Split('/').Any(s => s is ".." or ".")) { Error(ctx, 400, "INVALID_PARAMETER_VALUE", "Invalid path"); return; }
            if (req.HttpMethod == "PUT")
            {
                using var ms = new MemoryStream();
                req.InputStream.CopyTo(ms);
                lock (_gate) Artifacts[rel] = ms.ToArray();
                Json(ctx, new JsonObject());
            }
            else if (req.HttpMethod == "GET")
            {
                byte[]? bytes;
                lock (_gate) Artifacts.TryGetValue(rel, out bytes);
                if (bytes is null) { Error(ctx, 404, "RESOURCE_DOES_NOT_EXIST", $"File {rel} not found"); return; }
                ctx.Response.StatusCode = 200;
                ctx.Response.OutputStream.Write(bytes);
                ctx.Response.Close();
            }
            else Reply(ctx, 405, "text/html", "<title>405 Method Not Allowed</title>");
            return;
        }
        const string apiPrefix = "/api/2.0/mlflow/";
        if (!path.StartsWith(apiPrefix, StringComparison.Ordinal)) { Reply(ctx, 404, "text/html", "<title>404 Not Found</title>"); return; }
        var endpoint = path[apiPrefix.Length..];
        JsonObject body;
        if (req.HttpMethod == "POST")
        {
            if (req.ContentType is null || !req.ContentType.StartsWith("application/json", StringComparison.Ordinal))
            {
                Error(ctx, 400, "INVALID_PARAMETER_VALUE", "Bad Request. Content-Type must be one of ['application/json'].");
                return;
            }
            using var reader = new StreamReader(req.InputStream, Encoding.UTF8);
            var text = reader.ReadToEnd();
            try { body = JsonNode.Parse(text) as JsonObject ?? new JsonObject(); }
            catch (System.Text.Json.JsonException) { body = new JsonObject(); }
        }
        else
        {
            body = new JsonObject();
            foreach (var k in req.QueryString.AllKeys) if (k is not null) body[k] = req.QueryString[k];
        }
        try
        {
            JsonObject answer;
            lock (_gate) answer = Dispatch(req.HttpMethod, endpoint, body);
            Json(ctx, answer);
        }
        catch (ApiError e) { Error(ctx, e.Status, e.Code, e.Message); }
    }

    private sealed class ApiError(int status, string code, string message) : Exception(message)
    {
        public int Status { get; } = status;
        public string Code { get; } = code;
    }

    private static ApiError Invalid(string message) => new(400, "INVALID_PARAMETER_VALUE", message);
    private static ApiError Missing(string p) => Invalid($"Missing value for required parameter '{p}'. See the API docs for more information about request parameters.");

    private JsonObject Dispatch(string method, string endpoint, JsonObject body) => (method, endpoint) switch
    {
        ("GET", "experiments/get-by-name") => GetExperimentByName(body),
        ("POST", "experiments/create") => CreateExperiment(body),
        ("POST", "experiments/search") => new JsonObject
        {
            ["experiments"] = new JsonArray(Experiments.Select(e => (JsonNode)ExperimentJson(e.Key)).ToArray()),
        },
        ("POST", "runs/create") => CreateRun(body),
        ("POST", "runs/update") => UpdateRun(body),
        ("POST", "runs/log-batch") => LogBatch(body),
        ("POST", "runs/set-tag") => SetTag(body),
        ("GET", "runs/get") => new JsonObject { ["run"] = RunJson(FindRun(body)) },
        ("POST", "runs/search") => SearchRuns(body),
        ("GET", "metrics/get-history") => History(body),
        ("GET", "artifacts/list") => ListArtifacts(body),
        _ => throw new ApiError(404, "ENDPOINT_NOT_FOUND", $"{method} {endpoint}"),
    };

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

    private static void Json(HttpListenerContext ctx, JsonObject answer) => Reply(ctx, 200, "application/json", answer.ToJsonString());

    private static void Error(HttpListenerContext ctx, int status, string code, string message) =>
        Reply(ctx, status, "application/json", new JsonObject { ["error_code"] = code, ["message"] = message }.ToJsonString());

    private static void Reply(HttpListenerContext ctx, int status, string contentType, string text)
    {
        try
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            ctx.Response.StatusCode = status;
            ctx.Response.ContentType = contentType;
            ctx.Response.ContentLength64 = bytes.Length;
            ctx.Response.OutputStream.Write(bytes);
            ctx.Response.Close();
        }
        catch (Exception) { /* client went away */ }
    }

    [GeneratedRegex(@"^[/\w.\- ]*$")] private static partial Regex NameCharacters();
    [GeneratedRegex(@"^[a-zA-Z0-9][\w\-]{0,255}$")] private static partial Regex RunIdPattern();
    [GeneratedRegex(@"^[a-zA-Z0-9][\w\-]{0,63}$")] private static partial Regex ExperimentIdPattern();
    [GeneratedRegex(@"^tags\.`?([\w.]+)`?\s*=\s*'([^']*)'$")] private static partial Regex TagFilter();

    public void Dispose() => Stop();
}
