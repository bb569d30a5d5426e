namespace Research.Core.Mlflow;

/// <summary>
/// The reading side of a tracking store, the same for the local file store and a tracking server: what the
/// comparison scripts and the sync use.
/// </summary>
public interface ITrackingReader
{
    /// <summary>The store's URI (a local path or <c>http(s)://</c>, never with credentials).</summary>
    string Uri { get; }

    /// <summary>All experiments, active and deleted (check <see cref="ExperimentInfo.LifecycleStage"/>).</summary>
    IReadOnlyList<ExperimentInfo> ListExperiments();

    /// <summary>The experiment with this name, or null (the file store returns active ones only; a server may return a deleted one: check <see cref="ExperimentInfo.LifecycleStage"/>).</summary>
    ExperimentInfo? GetExperimentByName(string name);

    /// <summary>The active runs of the given experiments with params, latest metrics and tags, newest start first.</summary>
    IReadOnlyList<RunRecord> SearchRuns(IReadOnlyList<string> experimentIds);

    /// <summary>One run with its data, or null when no such run exists.</summary>
    RunRecord? GetRun(string runId);

    /// <summary>Every logged point of a metric, in logging order (empty for an unknown key).</summary>
    IReadOnlyList<MetricPoint> GetMetricHistory(string runId, string key);

    /// <summary>The direct children of an artifact folder (<paramref name="path"/> null: the root), paths relative to the run's artifact root.</summary>
    IReadOnlyList<ArtifactEntry> ListArtifacts(string runId, string? path = null);
}

/// <summary>
/// A tracking store: the file store (<see cref="FileStore"/>) or a server (<see cref="MlflowRestClient"/>).
/// Low level: no buffering, no fallback, errors thrown. Training code uses <see cref="TrackedRun"/> instead.
/// </summary>
public interface ITrackingStore : ITrackingReader
{
    /// <summary>The id of the active experiment with this name, created if missing (safe when several processes race).</summary>
    string GetOrCreateExperiment(string name);

    /// <summary>Creates a RUNNING run. <paramref name="tags"/> include the system tags (<c>mlflow.runName</c>, ...).</summary>
    RunInfo CreateRun(string experimentId, string? runName, long startTimeMs, IReadOnlyDictionary<string, string> tags);

    /// <summary>
    /// Logs metrics, params and tags to a run. Any number of each: implementations split into batches within
    /// MLflow's limits, keeping order. A param already logged with another value is an error.
    /// </summary>
    void LogBatch(string runId, IReadOnlyList<MetricPoint> metrics, IReadOnlyList<KeyValuePair<string, string>> parameters,
        IReadOnlyList<KeyValuePair<string, string>> tags);

    /// <summary>Sets the status and end time (ms; null leaves it unset) of a run.</summary>
    void UpdateRun(string runId, RunStatus status, long? endTimeMs);

    /// <summary>Stores one local file as the artifact <paramref name="artifactPath"/> (relative, <c>/</c> separators) of <paramref name="run"/>.</summary>
    void UploadArtifact(RunInfo run, string localFile, string artifactPath);

    /// <summary>Reads one artifact file's bytes.</summary>
    byte[] DownloadArtifact(RunInfo run, string artifactPath);
}
