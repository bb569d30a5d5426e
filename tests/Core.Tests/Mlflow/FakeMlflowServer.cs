using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Research.Core.Tests.Mlflow;

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
                else if (_failStatus == 401) Reply(ctx, 401, "text/plain", "You are not authenticated. Please see the documentation.");
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

    public void Dispose() => Stop();
}
