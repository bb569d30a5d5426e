using System.Runtime.InteropServices;

namespace Research.Core.Mlflow;

/// <summary>
/// One MLflow run being recorded: the object the trainer (as <see cref="IMetricSink"/>) and the F# scripts
/// log through, the same for the file store and a server. Keys and values are validated at once (a
/// <see cref="TrackingException"/> names the bad key); storing never throws: failures become warnings
/// (<see cref="Warnings"/>), and with a server, outages are buffered and then fall back to a local store.
/// End it with <see cref="End"/>; disposing a run that was not ended marks it FAILED (an exception escaped);
/// <see cref="EndOnInterrupt"/> marks it KILLED on Ctrl-C or SIGTERM. A run can be reopened to continue it
/// (<see cref="MlflowTracker.ResumeRun"/>): points at steps it already holds are then skipped. Thread-safe.
/// </summary>
public sealed class TrackedRun : IMetricSink, IDisposable
{
    /// <summary>Artifact folder for param values longer than MLflow's limit.</summary>
    public const string LongParamsFolder = "long_params";
    private static readonly TimeSpan InterruptFlushTimeout = TimeSpan.FromSeconds(10);
    private readonly IRunWriter _writer;
    private readonly object _gate = new();
    private readonly Dictionary<string, string> _params = new(StringComparer.Ordinal);
    private readonly KeyShapes _metricKeys = new("metric"), _paramKeys = new("param"), _tagKeys = new("tag");
    private readonly Dictionary<string, string> _tags;
    private readonly List<string> _warnings = [];
    private readonly Action<string> _warn;
    private readonly TimeSpan _endFlushTimeout;
    private readonly string _staging;
    private RunStatus? _endStatus;
    private readonly IReadOnlyDictionary<string, long> _loggedSteps;
    private long _skippedPoints;

    internal TrackedRun(IRunWriter writer, string experimentName, IReadOnlyDictionary<string, string> tags, TrackingOptions options,
        IReadOnlyDictionary<string, string>? priorParams = null, IReadOnlyDictionary<string, long>? loggedSteps = null)
    {
        _writer = writer;
        _loggedSteps = loggedSteps ?? new Dictionary<string, long>();
        IsResumed = loggedSteps is not null;
        if (priorParams is not null) foreach (var (k, v) in priorParams) _params[k] = v;
        ExperimentName = experimentName;
        _tags = new Dictionary<string, string>(tags, StringComparer.Ordinal);
        _endFlushTimeout = options.EndFlushTimeout;
        _warn = message =>
        {
            lock (_warnings) _warnings.Add(message);
            options.Warn(message);
        };
        _staging = Path.Combine(Path.GetTempPath(), "research-tracking", writer.Run.RunId);
    }

    internal Action<string> WarnSink => _warn;

    /// <summary>The run id in the store it was created in (the server's id, or the local id when it started in the fallback store).</summary>
    public string RunId => _writer.Run.RunId;

    /// <summary>The experiment id in that store.</summary>
    public string ExperimentId => _writer.Run.ExperimentId;

    /// <summary>The experiment name.</summary>
    public string ExperimentName { get; }

    /// <summary>The run name (tag <c>mlflow.runName</c>).</summary>
    public string RunName => _writer.Run.RunName ?? "";

    /// <summary>The parent run of a nested run, or null.</summary>
    public string? ParentRunId { get { lock (_gate) return _tags.GetValueOrDefault(SystemTags.ParentRunId); } }

    /// <summary>The run's identity at creation (status RUNNING).</summary>
    public RunInfo Info => _writer.Run;

    /// <summary>True when the data goes (or went) to the local fallback store because the server was unreachable.</summary>
    public bool IsFallback => _writer.IsFallback;

    /// <summary>True when the run was created in the local fallback store because the server was unreachable at start.</summary>
    public bool StartedInFallback => _writer is FileRunWriter { IsFallback: true };

    /// <summary>The status the run was ended with, or null while it runs.</summary>
    public RunStatus? EndStatus { get { lock (_gate) return _endStatus; } }

    /// <summary>
    /// Why the local store cannot take this run's data any more (its disk is full, naming the file), or null.
    /// Training should stop (<see cref="OutOfSpaceToken"/>): nothing it logs from then on is kept.
    /// </summary>
    public string? OutOfSpace => _writer.OutOfSpace;

    /// <summary>Cancelled when the local store runs out of space (see <see cref="OutOfSpace"/>).</summary>
    public CancellationToken OutOfSpaceToken => _writer.OutOfSpaceToken;

    /// <summary>True for a run reopened with <see cref="MlflowTracker.ResumeRun"/>.</summary>
    public bool IsResumed { get; }

    /// <summary>
    /// Metric points not written because the reopened run already held that key at that step or a later one
    /// (a resumed training repeats the iterations after its checkpoint; their points are in the run already).
    /// </summary>
    public long SkippedMetricPoints => Interlocked.Read(ref _skippedPoints);

    /// <summary>Every warning this run produced (also sent to <see cref="TrackingOptions.Warn"/>).</summary>
    public IReadOnlyList<string> Warnings { get { lock (_warnings) return _warnings.ToList(); } }

    /// <summary>Logs one metric value at <paramref name="step"/>; the timestamp defaults to now.</summary>
    public void LogMetric(string key, double value, long step = 0, long? timestampMs = null)
    {
        MlflowNames.ValidateMetricKey(key);
        _metricKeys.Check(key);
        if (AlreadyLogged(key, step)) return;
        Write([RunItem.OfMetric(new MetricPoint(key, value, timestampMs ?? FileStore.NowMs(), step))]);
    }

    private bool AlreadyLogged(string key, long step)
    {
        if (!_loggedSteps.TryGetValue(key, out var last) || step > last) return false;
        Interlocked.Increment(ref _skippedPoints);
        return true;
    }

    /// <inheritdoc />
    public void LogMetrics(long step, IReadOnlyDictionary<string, double> metrics)
    {
        foreach (var key in metrics.Keys) MlflowNames.ValidateMetricKey(key);
        foreach (var key in metrics.Keys) _metricKeys.Check(key);
        var now = FileStore.NowMs();
        Write(metrics.Where(kv => !AlreadyLogged(kv.Key, step)).Select(kv => RunItem.OfMetric(new MetricPoint(kv.Key, kv.Value, now, step))).ToList());
    }

    /// <summary>Logs one param. See <see cref="LogParams"/>.</summary>
    public void LogParam(string key, string value) => LogParams(new Dictionary<string, string> { [key] = value });

    /// <summary>
    /// Logs params (flattened dotted keys, see <see cref="ParamFlattener"/>). A value longer than MLflow's
    /// 6000-character limit is stored as the artifact <c>long_params/&lt;key&gt;.txt</c> and the param holds a
    /// pointer to it. Logging a key again with the same value is a no-op; with another value it is an error.
    /// </summary>
    public void LogParams(IReadOnlyDictionary<string, string> parameters)
    {
        var items = new List<RunItem>();
        var longValues = new List<(string Key, string Value)>();
        lock (_gate)
        {
            var stored = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, raw) in parameters)
            {
                var value = raw;
                if (raw.Length > MlflowNames.MaxParamValueLength)
                {
                    value = $"({raw.Length} characters: see artifact {LongParamsFolder}/{key}.txt)";
                    longValues.Add((key, raw));
                }
                MlflowNames.ValidateParam(key, value);
                _paramKeys.Check(key);
                if (_params.TryGetValue(key, out var old) && old != value)
                    throw new TrackingException($"Param '{key}' of run {RunId} was already logged with value '{old}'; it cannot be re-logged with '{value}' (MLflow params are immutable: start a new run to change it).");
                stored[key] = value;
            }
            foreach (var (key, value) in stored)
            {
                if (_params.ContainsKey(key)) continue;
                _params[key] = value;
                items.Add(RunItem.OfParam(key, value));
            }
        }
        foreach (var (key, value) in longValues) LogText(value, $"{LongParamsFolder}/{key}.txt");
        Write(items);
    }

    /// <inheritdoc />
    public void SetTag(string key, string value)
    {
        MlflowNames.ValidateTag(key, value);
        _tagKeys.Check(key);
        lock (_gate) _tags[key] = value;
        Write([RunItem.OfTag(key, value)]);
    }

    /// <summary>
    /// Sets the run's description (<c>mlflow.note.content</c>, markdown, shown on the run page). A note longer
    /// than the tag limit is cut, and the full text stored as the artifact <c>note.md</c>.
    /// </summary>
    public void SetNote(string markdown)
    {
        if (markdown.Length > MlflowNames.MaxTagValueLength)
        {
            LogText(markdown, "note.md");
            const string tail = "\n\n… (cut; the full note is the artifact note.md)";
            markdown = markdown[..(MlflowNames.MaxTagValueLength - tail.Length)] + tail;
        }
        SetTag(SystemTags.Note, markdown);
    }

    /// <summary>
    /// Stores a local file, or every file of a local folder, as artifacts: a file goes to
    /// <c>[artifactPath/]name</c>, a folder's contents under <c>[artifactPath/]</c> (as MLflow's log_artifact(s)).
    /// The files must stay in place until the run ends or <see cref="Flush"/> returns.
    /// </summary>
    public void LogArtifact(string localPath, string? artifactPath = null)
    {
        if (artifactPath is not null) MlflowNames.ValidateArtifactPath(artifactPath);
        string Join(string rel) => artifactPath is null ? rel : artifactPath + "/" + rel;
        var items = new List<RunItem>();
        if (File.Exists(localPath))
            items.Add(RunItem.OfArtifact(MlflowNames.ValidateArtifactPath(Join(Path.GetFileName(localPath))), Path.GetFullPath(localPath)));
        else if (Directory.Exists(localPath))
        {
            foreach (var file in Directory.EnumerateFiles(localPath, "*", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
            {
                var rel = Path.GetRelativePath(localPath, file).Replace(Path.DirectorySeparatorChar, '/');
                items.Add(RunItem.OfArtifact(MlflowNames.ValidateArtifactPath(Join(rel)), Path.GetFullPath(file)));
            }
        }
        else throw new TrackingException($"Artifact source '{localPath}' does not exist (run {RunId}).");
        Write(items);
    }

    /// <summary>Stores <paramref name="text"/> (UTF-8) as the artifact <paramref name="artifactFile"/> (e.g. <c>config/resolved.yaml</c>).</summary>
    public void LogText(string text, string artifactFile)
    {
        MlflowNames.ValidateArtifactPath(artifactFile);
        var local = Path.Combine(_staging, Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(_staging);
            File.WriteAllText(local, text);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _warn($"could not stage artifact '{artifactFile}' of run {RunId}: {e.Message}");
            return;
        }
        Write([RunItem.OfArtifact(artifactFile, local)]);
    }

    /// <summary>Waits until everything logged so far is stored (sent, or in the fallback store); false on timeout.</summary>
    public bool Flush(TimeSpan? timeout = null) => _writer.Flush(timeout ?? _endFlushTimeout);

    /// <summary>
    /// Ends the run with <paramref name="status"/> and the current time as end time, after storing everything
    /// logged (bounded by <see cref="TrackingOptions.EndFlushTimeout"/>, then the fallback takes the rest).
    /// Later calls do nothing.
    /// </summary>
    public void End(RunStatus status = RunStatus.Finished) => EndWithin(status, _endFlushTimeout);

    /// <summary>As <see cref="End(RunStatus)"/>, waiting at most <paramref name="flushTimeout"/> for buffered data (e.g. when a process must exit soon).</summary>
    public void EndWithin(RunStatus status, TimeSpan flushTimeout)
    {
        if (!status.IsTerminal()) throw new ArgumentException($"A run ends FINISHED, FAILED or KILLED, not {status.ToMlflowName()}.", nameof(status));
        lock (_gate)
        {
            if (_endStatus is not null) return;
            _endStatus = status;
        }
        _writer.Write([RunItem.OfUpdate(status, FileStore.NowMs())]);
        _writer.Close(flushTimeout);
        try { if (Directory.Exists(_staging)) Directory.Delete(_staging, recursive: true); }
        catch (IOException) { }
    }

    /// <summary>
    /// Until disposed, a SIGINT (Ctrl-C) or SIGTERM (e.g. a cancelled cluster job) ends this run as KILLED
    /// before the process exits (waiting at most 10 s for buffered data; a second Ctrl-C exits at once).
    /// Use: <c>using var _ = run.EndOnInterrupt();</c>.
    /// </summary>
    public IDisposable EndOnInterrupt()
    {
        var flush = _endFlushTimeout < InterruptFlushTimeout ? _endFlushTimeout : InterruptFlushTimeout;
        var registrations = new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM }
            .Select(signal => PosixSignalRegistration.Create(signal, _ => EndWithin(RunStatus.Killed, flush))).ToList();
        return new Registrations(registrations);
    }

    /// <summary>Ends the run as FAILED unless <see cref="End"/> was called (an exception left the <c>using</c> block).</summary>
    public void Dispose() => End(RunStatus.Failed);

    /// <summary>The params of the run so far (a reopened run's included).</summary>
    public IReadOnlyDictionary<string, string> LoggedParams { get { lock (_gate) return new Dictionary<string, string>(_params, StringComparer.Ordinal); } }

    /// <summary>Params logged so far (for a fallback run to repeat).</summary>
    internal IReadOnlyList<KeyValuePair<string, string>> ParamsSnapshot() { lock (_gate) return _params.ToList(); }

    /// <summary>Tags set so far (for a fallback run to repeat).</summary>
    internal IReadOnlyList<KeyValuePair<string, string>> TagsSnapshot() { lock (_gate) return _tags.ToList(); }

    private void Write(IReadOnlyList<RunItem> items)
    {
        if (items.Count == 0) return;
        lock (_gate)
        {
            if (_endStatus is not null)
            {
                _warn($"run {RunId} has ended ({_endStatus.Value.ToMlflowName()}); {items.Count} item(s) logged after it were ignored.");
                return;
            }
        }
        _writer.Write(items);
    }

    private sealed class Registrations(List<PosixSignalRegistration> list) : IDisposable
    {
        public void Dispose() { foreach (var r in list) r.Dispose(); }
    }
}
