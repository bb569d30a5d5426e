namespace Research.Core.Mlflow;

/// <summary>
/// The entry point of tracking: picks the store from a URI (a local <c>mlruns</c> folder, or an
/// <c>http(s)://</c> tracking server), starts runs (<see cref="TrackedRun"/>) with MLflow's system tags and
/// nesting, and reads experiments, runs and metric histories back for comparisons.
/// <code>
/// using var tracker = MlflowTracker.FromEnvironment(config.Tracking.Uri);
/// using var run = tracker.StartRun("defcn", "quickstart");
/// using var _ = run.EndOnInterrupt();
/// run.LogParams(flatConfig); ... run.LogMetrics(step, losses); ...
/// run.End();
/// </code>
/// </summary>
public sealed class MlflowTracker : IDisposable
{
    /// <summary>The store used when nothing is configured.</summary>
    public const string DefaultUri = "./mlruns";

    private FileStore? _fallbackStore;

    /// <summary>Opens the store at <paramref name="uri"/> exactly as given (see <see cref="FromEnvironment"/> for the usual resolution).</summary>
    /// <exception cref="ArgumentException">The URI is not a local folder, <c>file:</c> or <c>http(s)://</c> URI.</exception>
    public MlflowTracker(string uri, TrackingOptions? options = null)
    {
        Options = options ?? new TrackingOptions();
        Store = OpenStore(uri, Options);
    }

    /// <summary>
    /// The tracker for a configured URI (the config's <c>tracking.uri</c>, may be null): the environment
    /// variable <c>MLFLOW_TRACKING_URI</c> wins when set (so a cluster job can redirect runs without editing
    /// YAML), then <paramref name="configuredUri"/>, then <c>./mlruns</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The URI in force is not a local folder, <c>file:</c> or <c>http(s)://</c> URI; the message names where it came from.</exception>
    public static MlflowTracker FromEnvironment(string? configuredUri = null, TrackingOptions? options = null) =>
        new(ResolveUri(configuredUri), options);

    /// <summary>The URI <see cref="FromEnvironment"/> would use.</summary>
    /// <exception cref="ArgumentException">The URI is not one this library can use (<see cref="TrackingUri.Problem"/>); the
    /// message names <c>MLFLOW_TRACKING_URI</c> or <c>tracking.uri</c>, whichever gave it.</exception>
    public static string ResolveUri(string? configuredUri)
    {
        var env = Environment.GetEnvironmentVariable("MLFLOW_TRACKING_URI");
        if (!string.IsNullOrWhiteSpace(env))
        {
            TrackingUri.Check(env, "the environment variable MLFLOW_TRACKING_URI");
            return env;
        }
        if (string.IsNullOrWhiteSpace(configuredUri)) return DefaultUri;
        TrackingUri.Check(configuredUri, "tracking.uri");
        return configuredUri;
    }

    /// <summary>True for <c>http://</c> and <c>https://</c> URIs.</summary>
    public static bool IsServerUri(string uri) =>
        uri.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || uri.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    /// <summary>The low-level store for a URI: <see cref="MlflowRestClient"/> for http(s), else <see cref="FileStore"/>.</summary>
    /// <exception cref="ArgumentException">Any other scheme (<c>ftp://</c>, <c>s3://</c>, <c>databricks</c>, ...): see <see cref="TrackingUri"/>.</exception>
    public static ITrackingStore OpenStore(string uri, TrackingOptions? options = null)
    {
        TrackingUri.Check(uri, "tracking URI");
        return IsServerUri(uri) ? new MlflowRestClient(uri, options) : new FileStore(uri);
    }

    /// <summary>The store (for reading, and for low-level writes).</summary>
    public ITrackingStore Store { get; }

    /// <summary>The options in force.</summary>
    public TrackingOptions Options { get; }

    /// <summary>The store's URI, without credentials.</summary>
    public string Uri => Store.Uri;

    /// <summary>
    /// Starts a RUNNING run in experiment <paramref name="experimentName"/> (created if missing) with the
    /// standard system tags plus <paramref name="tags"/>. <paramref name="parentRunId"/> makes it a nested run.
    /// With a server that stays unreachable for <see cref="TrackingOptions.StartTimeout"/>, the run starts in the
    /// local fallback store instead (one warning). Throws only for invalid input or a server's refusal (4xx).
    /// </summary>
    public TrackedRun StartRun(string experimentName, string? runName = null, string? parentRunId = null,
        IReadOnlyDictionary<string, string>? tags = null, string? sourceName = null)
    {
        if (string.IsNullOrWhiteSpace(experimentName)) throw new TrackingException("The experiment name is empty (config key tracking.experiment).");
        if (parentRunId is not null) MlflowNames.ValidateRunId(parentRunId);
        var name = runName ?? (tags is not null && tags.TryGetValue(SystemTags.RunName, out var t) ? t : RunNames.Generate());
        var allTags = SystemTags.Standard(name, parentRunId, sourceName);
        if (tags is not null) foreach (var (k, v) in tags) allTags[k] = v;
        foreach (var (k, v) in allTags) MlflowNames.ValidateTag(k, v);
        var start = FileStore.NowMs();
        return Store switch
        {
            FileStore fs => StartInFileStore(fs, experimentName, name, start, allTags, isFallback: false),
            MlflowRestClient client => StartOnServer(client, experimentName, name, start, allTags),
            _ => throw new InvalidOperationException("unknown store"),
        };
    }

    /// <summary>
    /// Reopens run <paramref name="runId"/> of this store to continue it (a resumed training): its status goes
    /// back to RUNNING, its params and tags are known (re-logging the same values is a no-op), and metric
    /// points at a step the run already holds for that key, or an earlier one, are skipped
    /// (<see cref="TrackedRun.SkippedMetricPoints"/>), so no step is written twice. Throws
    /// <see cref="TrackingException"/> when the run does not exist or is deleted, and
    /// <see cref="TrackingUnavailableException"/> when the server cannot be reached.
    /// </summary>
    public TrackedRun ResumeRun(string runId)
    {
        MlflowNames.ValidateRunId(runId);
        var record = Store.GetRun(runId) ?? throw new TrackingException($"run {runId} does not exist in {Store.Uri}");
        if (record.Info.LifecycleStage != "active") throw new TrackingException($"run {runId} in {Store.Uri} is deleted");
        var experiment = Store.ListExperiments().FirstOrDefault(e => e.ExperimentId == record.Info.ExperimentId)
            ?? throw new TrackingException($"the experiment {record.Info.ExperimentId} of run {runId} does not exist in {Store.Uri}");
        if (experiment.LifecycleStage != "active") throw new TrackingException($"the experiment '{experiment.Name}' of run {runId} in {Store.Uri} is deleted");
        var loggedSteps = record.Metrics.ToDictionary(kv => kv.Key, kv => kv.Value.Step, StringComparer.Ordinal);
        var tags = new Dictionary<string, string>(record.Tags, StringComparer.Ordinal);
        var info = record.Info with { Status = RunStatus.Running, EndTime = null };
        switch (Store)
        {
            case FileStore fs:
                fs.ReopenRun(runId);
                return new TrackedRun(new FileRunWriter(fs, info, Options.Warn, isFallback: false), experiment.Name, tags, Options, record.Params, loggedSteps);
            case MlflowRestClient client:
                client.UpdateRun(runId, RunStatus.Running, null);
                TrackedRun? run = null;
                var writer = new BufferedRestWriter(client, info, Options,
                    () => new FallbackSeed(experiment.Name, record.Name ?? runId, record.Info.StartTime, run!.ParamsSnapshot(), run.TagsSnapshot()),
                    message => (run?.WarnSink ?? Options.Warn)(message));
                return run = new TrackedRun(writer, experiment.Name, tags, Options, record.Params, loggedSteps);
            default:
                throw new InvalidOperationException("unknown store");
        }
    }

    /// <summary>Starts a nested run under <paramref name="parent"/> (in the local fallback store when the parent started there).</summary>
    public TrackedRun StartChildRun(TrackedRun parent, string? runName = null, IReadOnlyDictionary<string, string>? tags = null)
    {
        if (!parent.StartedInFallback) return StartRun(parent.ExperimentName, runName, parent.RunId, tags);
        var name = runName ?? RunNames.Generate();
        var allTags = SystemTags.Standard(name, parent.RunId);
        if (tags is not null) foreach (var (k, v) in tags) allTags[k] = v;
        allTags[StoreSync.FallbackServerUriTag] = Store.Uri;
        return StartInFileStore(FallbackStore(), parent.ExperimentName, name, FileStore.NowMs(), allTags, isFallback: true);
    }

    private TrackedRun StartInFileStore(FileStore store, string experimentName, string name, long start, Dictionary<string, string> tags, bool isFallback)
    {
        var expId = store.GetOrCreateExperiment(experimentName);
        var info = store.CreateRun(expId, name, start, tags);
        return new TrackedRun(new FileRunWriter(store, info, Options.Warn, isFallback), experimentName, tags, Options);
    }

    private TrackedRun StartOnServer(MlflowRestClient client, string experimentName, string name, long start, Dictionary<string, string> tags)
    {
        var deadline = DateTime.UtcNow + Options.StartTimeout;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var expId = client.GetOrCreateExperiment(experimentName);
                var info = client.CreateRun(expId, name, start, tags);
                TrackedRun? run = null;
                var writer = new BufferedRestWriter(client, info, Options,
                    () => new FallbackSeed(experimentName, name, start, run!.ParamsSnapshot(), run.TagsSnapshot()),
                    message => (run?.WarnSink ?? Options.Warn)(message));
                return run = new TrackedRun(writer, experimentName, tags, Options);
            }
            catch (TrackingUnavailableException e) when (DateTime.UtcNow >= deadline)
            {
                var localTags = new Dictionary<string, string>(tags, StringComparer.Ordinal) { [StoreSync.FallbackServerUriTag] = client.Uri };
                var run = StartInFileStore(FallbackStore(), experimentName, name, start, localTags, isFallback: true);
                run.WarnSink($"MLflow server {client.Uri} unreachable at the start of run '{name}' ({e.Message}). Training continues; the run is recorded " +
                             $"in the local store {FallbackStore().Root} (experiment '{experimentName}', run {run.RunId}). " +
                             $"Upload it later with: dotnet fsi scripts/sync.fsx {Options.FallbackStore} {client.Uri}");
                return run;
            }
            catch (TrackingUnavailableException)
            {
                Thread.Sleep(client.Backoff(Math.Min(attempt, 10)));
            }
        }
    }

    private FileStore FallbackStore() => _fallbackStore ??= new FileStore(Options.FallbackStore);

    /// <summary>All experiments of the store.</summary>
    public IReadOnlyList<ExperimentInfo> ListExperiments() => Store.ListExperiments();

    /// <summary>The active runs of an experiment (by name; empty when it does not exist), newest first.</summary>
    public IReadOnlyList<RunRecord> SearchRuns(string experimentName) =>
        Store.GetExperimentByName(experimentName) is { } e ? Store.SearchRuns([e.ExperimentId]) : [];

    /// <summary>The nested runs of a parent (tag <c>mlflow.parentRunId</c>) in an experiment, oldest first (then by name).</summary>
    public IReadOnlyList<RunRecord> ChildRuns(string experimentId, string parentRunId) =>
        (Store is MlflowRestClient c ? c.SearchRuns([experimentId], $"tags.mlflow.parentRunId = '{parentRunId}'") : Store.SearchRuns([experimentId]))
        .Where(r => r.ParentRunId == parentRunId).OrderBy(r => r.Info.StartTime).ThenBy(r => r.Name, StringComparer.Ordinal).ToList();

    /// <summary>Every point of a metric of a run, in logging order.</summary>
    public IReadOnlyList<MetricPoint> GetMetricHistory(string runId, string key) => Store.GetMetricHistory(runId, key);

    /// <summary>Releases connections and open files.</summary>
    public void Dispose()
    {
        (Store as IDisposable)?.Dispose();
        _fallbackStore?.Dispose();
    }
}
