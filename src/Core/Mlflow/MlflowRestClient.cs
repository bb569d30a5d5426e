using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Research.Core.Mlflow;

/// <summary>
/// A client of an MLflow tracking server's REST API 2.0 (experiments, runs, log-batch, metric history) and of
/// its proxied artifact endpoints (<c>mlflow-artifacts</c>). Each call retries connection errors, timeouts,
/// 5xx and 429 with exponential backoff and then throws <see cref="TrackingUnavailableException"/>; other 4xx
/// answers throw <see cref="MlflowApiException"/> with MLflow's message at once. Credentials (options,
/// environment, or user:password in the URI) are sent as headers and never appear in messages.
/// </summary>
public sealed class MlflowRestClient : ITrackingStore, IDisposable
{
    private readonly HttpClient _http;
    private readonly string _base;
    private readonly TrackingOptions _options;

    /// <summary>Connects to the server at <paramref name="uri"/> (<c>http(s)://host[:port][/prefix]</c>).</summary>
    public MlflowRestClient(string uri, TrackingOptions? options = null)
    {
        _options = options ?? new TrackingOptions();
        var parsed = new Uri(uri.TrimEnd('/') + "/");
        if (parsed.Scheme is not ("http" or "https")) throw new TrackingException($"Not an http(s) tracking URI: '{Redact(uri)}'.");
        string? user = _options.Username, password = _options.Password;
        if (parsed.UserInfo.Length > 0)
        {
            var parts = parsed.UserInfo.Split(':', 2);
            user = System.Uri.UnescapeDataString(parts[0]);
            password = parts.Length > 1 ? System.Uri.UnescapeDataString(parts[1]) : "";
        }
        _base = new UriBuilder(parsed) { UserName = "", Password = "" }.Uri.ToString().TrimEnd('/');
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = _options.RequestTimeout };
        if (!string.IsNullOrEmpty(_options.Token))
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _options.Token);
        else if (!string.IsNullOrEmpty(user))
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
    }

    /// <inheritdoc />
    public string Uri => _base;

    /// <summary>A URI with any user:password removed, for messages.</summary>
    public static string Redact(string uri)
    {
        var at = uri.IndexOf('@');
        var scheme = uri.IndexOf("://", StringComparison.Ordinal);
        return at > 0 && scheme > 0 && at > scheme ? uri[..(scheme + 3)] + uri[(at + 1)..] : uri;
    }

    /// <inheritdoc />
    public ExperimentInfo? GetExperimentByName(string name)
    {
        try
        {
            return RestJson.ReadExperiment(Get("experiments/get-by-name", ("experiment_name", name))["experiment"]!);
        }
        catch (MlflowApiException e) when (e.HttpStatus == 404 || e.ErrorCode == "RESOURCE_DOES_NOT_EXIST")
        {
            return null;
        }
    }

    /// <inheritdoc />
    public string GetOrCreateExperiment(string name)
    {
        if (GetExperimentByName(name) is { } e)
        {
            if (e.LifecycleStage == "deleted")
                throw new TrackingException($"Experiment '{name}' ({e.ExperimentId}) is deleted on {_base}: restore it ('mlflow experiments restore --experiment-id {e.ExperimentId}') or use another experiment name.");
            return e.ExperimentId;
        }
        try
        {
            return RestJson.ReadString(Post("experiments/create", new JsonObject { ["name"] = name })["experiment_id"])!;
        }
        catch (MlflowApiException ex) when (ex.ErrorCode == "RESOURCE_ALREADY_EXISTS")
        {
            // Another process created it between our two calls.
            return GetExperimentByName(name)?.ExperimentId ?? throw new TrackingException($"Experiment '{name}' exists but cannot be found by name.", ex);
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<ExperimentInfo> ListExperiments()
    {
        var result = new List<ExperimentInfo>();
        string? token = null;
        do
        {
            var body = new JsonObject { ["max_results"] = 1000, ["view_type"] = "ALL" };
            if (token is not null) body["page_token"] = token;
            var answer = Post("experiments/search", body);
            if (answer["experiments"] is JsonArray a) result.AddRange(a.Select(e => RestJson.ReadExperiment(e!)));
            token = RestJson.ReadString(answer["next_page_token"]);
        } while (!string.IsNullOrEmpty(token));
        return result;
    }

    /// <inheritdoc />
    public RunInfo CreateRun(string experimentId, string? runName, long startTimeMs, IReadOnlyDictionary<string, string> tags)
    {
        var body = new JsonObject
        {
            ["experiment_id"] = experimentId,
            ["start_time"] = startTimeMs,
            ["user_id"] = tags.GetValueOrDefault(SystemTags.User, ""),
            ["tags"] = RestJson.KeyValues(tags),
        };
        if (runName is not null) body["run_name"] = runName;
        return RestJson.ReadRunInfo(Post("runs/create", body)["run"]!["info"]!);
    }

    /// <inheritdoc />
    public void LogBatch(string runId, IReadOnlyList<MetricPoint> metrics, IReadOnlyList<KeyValuePair<string, string>> parameters,
        IReadOnlyList<KeyValuePair<string, string>> tags)
    {
        int m = 0, p = 0, t = 0;
        do
        {
            var np = Math.Min(MlflowNames.MaxParamsPerBatch, parameters.Count - p);
            var nt = Math.Min(MlflowNames.MaxTagsPerBatch, tags.Count - t);
            var nm = Math.Min(Math.Min(MlflowNames.MaxMetricsPerBatch, MlflowNames.MaxEntitiesPerBatch - np - nt), metrics.Count - m);
            var body = new JsonObject { ["run_id"] = runId };
            if (nm > 0) body["metrics"] = new JsonArray(Enumerable.Range(m, nm).Select(i => (JsonNode)RestJson.Metric(metrics[i])).ToArray());
            if (np > 0) body["params"] = RestJson.KeyValues(Enumerable.Range(p, np).Select(i => parameters[i]));
            if (nt > 0) body["tags"] = RestJson.KeyValues(Enumerable.Range(t, nt).Select(i => tags[i]));
            Post("runs/log-batch", body);
            m += nm; p += np; t += nt;
        } while (m < metrics.Count || p < parameters.Count || t < tags.Count);
    }

    /// <summary>Sets (or overwrites) one tag.</summary>
    public void SetTag(string runId, string key, string value) =>
        Post("runs/set-tag", new JsonObject { ["run_id"] = runId, ["key"] = key, ["value"] = value });

    /// <inheritdoc />
    public void UpdateRun(string runId, RunStatus status, long? endTimeMs)
    {
        var body = new JsonObject { ["run_id"] = runId, ["status"] = status.ToMlflowName() };
        if (endTimeMs is not null) body["end_time"] = endTimeMs;
        Post("runs/update", body);
    }

    /// <inheritdoc />
    public RunRecord? GetRun(string runId)
    {
        try
        {
            return RestJson.ReadRun(Get("runs/get", ("run_id", runId))["run"]!);
        }
        catch (MlflowApiException e) when (e.HttpStatus == 404)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<RunRecord> SearchRuns(IReadOnlyList<string> experimentIds) => SearchRuns(experimentIds, null);

    /// <summary>Runs matching an MLflow filter string (e.g. <c>tags.mlflow.parentRunId = '&lt;id&gt;'</c>), newest first, all pages.</summary>
    public IReadOnlyList<RunRecord> SearchRuns(IReadOnlyList<string> experimentIds, string? filter)
    {
        var result = new List<RunRecord>();
        if (experimentIds.Count == 0) return result;
        string? token = null;
        do
        {
            var body = new JsonObject
            {
                ["experiment_ids"] = new JsonArray(experimentIds.Select(i => (JsonNode)JsonValue.Create(i)).ToArray()),
                ["max_results"] = 1000,
            };
            if (filter is not null) body["filter"] = filter;
            if (token is not null) body["page_token"] = token;
            var answer = Post("runs/search", body);
            if (answer["runs"] is JsonArray a) result.AddRange(a.Select(r => RestJson.ReadRun(r!)));
            token = RestJson.ReadString(answer["next_page_token"]);
        } while (!string.IsNullOrEmpty(token));
        return result;
    }

    /// <inheritdoc />
    public IReadOnlyList<MetricPoint> GetMetricHistory(string runId, string key)
    {
        var answer = Get("metrics/get-history", ("run_id", runId), ("metric_key", key));
        return answer["metrics"] is JsonArray a ? a.Select(m => RestJson.ReadMetric(m!)).ToList() : [];
    }

    /// <inheritdoc />
    public IReadOnlyList<ArtifactEntry> ListArtifacts(string runId, string? path = null)
    {
        var query = path is null ? new[] { ("run_id", runId) } : new[] { ("run_id", runId), ("path", path) };
        var answer = Get("artifacts/list", query);
        return answer["files"] is JsonArray a
            ? a.Select(f => new ArtifactEntry(RestJson.ReadString(f!["path"]) ?? "", f!["is_dir"]?.GetValue<bool>() ?? false, RestJson.ReadLong(f["file_size"]))).ToList()
            : [];
    }

    /// <inheritdoc />
    public void UploadArtifact(RunInfo run, string localFile, string artifactPath)
    {
        var url = ArtifactUrl(run, artifactPath);
        if (!File.Exists(localFile)) throw new TrackingException($"Artifact file '{localFile}' does not exist (run {run.RunId}, artifact '{artifactPath}').");
        Send(HttpMethod.Put, url, "mlflow-artifacts upload", () => new StreamContent(File.OpenRead(localFile))
        {
            Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") },
        });
    }

    /// <inheritdoc />
    public byte[] DownloadArtifact(RunInfo run, string artifactPath) =>
        Send(HttpMethod.Get, ArtifactUrl(run, artifactPath), "mlflow-artifacts download", null);

    private string ArtifactUrl(RunInfo run, string artifactPath)
    {
        MlflowNames.ValidateArtifactPath(artifactPath);
        const string scheme = "mlflow-artifacts:";
        if (!run.ArtifactUri.StartsWith(scheme, StringComparison.Ordinal))
            throw new TrackingException($"Run {run.RunId} stores artifacts at '{run.ArtifactUri}', which is not served by the tracking server (start it with proxied artifacts, e.g. 'mlflow server --artifacts-destination ...').");
        var rest = run.ArtifactUri[scheme.Length..];
        if (rest.StartsWith("//", StringComparison.Ordinal)) rest = rest[(rest.IndexOf('/', 2) is var k and >= 0 ? k : rest.Length)..];
        var path = string.Join('/', (rest.Trim('/') + "/" + artifactPath).Split('/').Select(System.Uri.EscapeDataString));
        return $"{_base}/api/2.0/mlflow-artifacts/artifacts/{path}";
    }

    private JsonNode Get(string endpoint, params (string Key, string Value)[] query)
    {
        var qs = string.Join('&', query.Select(q => $"{System.Uri.EscapeDataString(q.Key)}={System.Uri.EscapeDataString(q.Value)}"));
        return Parse(Send(HttpMethod.Get, $"{_base}/api/2.0/mlflow/{endpoint}?{qs}", endpoint, null));
    }

    private JsonNode Post(string endpoint, JsonObject body)
    {
        var json = body.ToJsonString();
        return Parse(Send(HttpMethod.Post, $"{_base}/api/2.0/mlflow/{endpoint}", endpoint,
            () => new StringContent(json, Encoding.UTF8, "application/json")));
    }

    private static JsonNode Parse(byte[] body) => body.Length == 0 ? new JsonObject() : JsonNode.Parse(body) ?? new JsonObject();

    /// <summary>One call with retries; returns the body of a 2xx answer.</summary>
    private byte[] Send(HttpMethod method, string url, string endpoint, Func<HttpContent>? content)
    {
        Exception? last = null;
        for (var attempt = 0; attempt < Math.Max(1, _options.RequestAttempts); attempt++)
        {
            TimeSpan? retryAfter = null;
            // Built outside the try: a local problem (say, a missing artifact file) is not a network error to retry.
            var body = content?.Invoke();
            try
            {
                using var request = new HttpRequestMessage(method, url) { Content = body };
                using var response = _http.Send(request);
                using var stream = response.Content.ReadAsStream();
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                var bytes = buffer.ToArray();
                if (response.IsSuccessStatusCode) return bytes;
                var error = ToApiException((int)response.StatusCode, bytes, endpoint);
                if (!error.IsTransient || IsPermanentServerError(error)) throw error;
                last = error;
                retryAfter = response.Headers.RetryAfter?.Delta;
            }
            catch (HttpRequestException e) { last = e; }
            catch (TaskCanceledException e) { last = e; }
            catch (IOException e) { last = e; }
            if (attempt + 1 < _options.RequestAttempts) Thread.Sleep(Backoff(attempt, retryAfter));
        }
        throw new TrackingUnavailableException(
            $"MLflow server {_base} unavailable for {endpoint} after {_options.RequestAttempts} attempts: {Describe(last)}", last);
    }

    /// <summary>The wait before retry number <paramref name="attempt"/> + 1: exponential, jittered, capped.</summary>
    internal TimeSpan Backoff(int attempt, TimeSpan? retryAfter = null)
    {
        var ms = _options.InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 20));
        ms = Math.Min(ms, _options.MaxBackoff.TotalMilliseconds) * (0.5 + 0.5 * Random.Shared.NextDouble());
        if (retryAfter is { } ra) ms = Math.Min(Math.Max(ms, ra.TotalMilliseconds), _options.MaxBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(ms);
    }

    // The file store answers a param conflict in log-batch with 500 INTERNAL_ERROR (notes §3): retrying cannot help.
    private static bool IsPermanentServerError(MlflowApiException e) =>
        e.ServerMessage.StartsWith("Changing param values is not allowed", StringComparison.Ordinal);

    private static MlflowApiException ToApiException(int status, byte[] body, string endpoint)
    {
        try
        {
            if (JsonNode.Parse(body) is JsonObject o && o["error_code"] is not null)
                return new MlflowApiException(status, RestJson.ReadString(o["error_code"]) ?? "", RestJson.ReadString(o["message"]) ?? "", endpoint);
        }
        catch (System.Text.Json.JsonException) { }
        // Not MLflow's JSON (an HTML error page, a proxy's answer): keep the start of it.
        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300)).Replace('\n', ' ');
        return new MlflowApiException(status, $"HTTP_{status}", text, endpoint);
    }

    private static string Describe(Exception? e) => e switch
    {
        null => "no attempt made",
        MlflowApiException api => $"HTTP {api.HttpStatus} {api.ErrorCode}",
        TaskCanceledException => "request timed out",
        HttpRequestException { InnerException: { } inner } h => $"{h.Message} ({inner.Message})",
        _ => e.Message,
    };

    /// <summary>Releases the HTTP connections.</summary>
    public void Dispose() => _http.Dispose();
}
