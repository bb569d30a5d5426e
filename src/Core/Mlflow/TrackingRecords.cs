namespace Research.Core.Mlflow;

/// <summary>An MLflow experiment as a store reports it.</summary>
/// <param name="ExperimentId">The id (file store: random 18 digits; a server's SQLite store: 1, 2, ...).</param>
/// <param name="Name">The unique name.</param>
/// <param name="ArtifactLocation">Where its runs' artifacts go (a <c>file://</c> or <c>mlflow-artifacts:</c> URI).</param>
/// <param name="LifecycleStage"><c>active</c> or <c>deleted</c>.</param>
/// <param name="CreationTime">Creation time in ms since the Unix epoch, if recorded.</param>
/// <param name="LastUpdateTime">Last update time in ms since the Unix epoch, if recorded.</param>
/// <param name="Tags">Experiment tags.</param>
public sealed record ExperimentInfo(
    string ExperimentId,
    string Name,
    string ArtifactLocation,
    string LifecycleStage,
    long? CreationTime,
    long? LastUpdateTime,
    IReadOnlyDictionary<string, string> Tags);

/// <summary>A run's identity and state (MLflow's RunInfo).</summary>
/// <param name="RunId">32 lowercase hex characters.</param>
/// <param name="ExperimentId">The experiment holding the run.</param>
/// <param name="RunName">The run name, if any.</param>
/// <param name="UserId">The user (may be empty).</param>
/// <param name="Status">RUNNING, FINISHED, FAILED, KILLED.</param>
/// <param name="StartTime">Start time in ms since the Unix epoch.</param>
/// <param name="EndTime">End time in ms, null while running.</param>
/// <param name="ArtifactUri">The run's artifact root URI.</param>
/// <param name="LifecycleStage"><c>active</c> or <c>deleted</c>.</param>
public sealed record RunInfo(
    string RunId,
    string ExperimentId,
    string? RunName,
    string UserId,
    RunStatus Status,
    long StartTime,
    long? EndTime,
    string ArtifactUri,
    string LifecycleStage);

/// <summary>One logged metric value.</summary>
/// <param name="Key">The metric name.</param>
/// <param name="Value">The value (NaN and infinities allowed).</param>
/// <param name="TimestampMs">Wall-clock time in ms since the Unix epoch.</param>
/// <param name="Step">The training step (iteration).</param>
public readonly record struct MetricPoint(string Key, double Value, long TimestampMs, long Step)
{
    /// <summary>
    /// MLflow's "latest value" order: the point with the largest (step, timestamp, value) is the one a run
    /// reports, not the last one written. NaN sorts below every number.
    /// </summary>
    public static int CompareForLatest(MetricPoint a, MetricPoint b)
    {
        var c = a.Step.CompareTo(b.Step);
        if (c != 0) return c;
        c = a.TimestampMs.CompareTo(b.TimestampMs);
        return c != 0 ? c : a.Value.CompareTo(b.Value);
    }
}

/// <summary>A run with its data: params, the latest value of every metric, tags.</summary>
/// <param name="Info">Identity and state.</param>
/// <param name="Params">Params (key → value).</param>
/// <param name="Metrics">Latest point of each metric (see <see cref="MetricPoint.CompareForLatest"/>).</param>
/// <param name="Tags">Tags, including the system tags (<c>mlflow.runName</c>, <c>mlflow.parentRunId</c>, ...).</param>
public sealed record RunRecord(
    RunInfo Info,
    IReadOnlyDictionary<string, string> Params,
    IReadOnlyDictionary<string, MetricPoint> Metrics,
    IReadOnlyDictionary<string, string> Tags)
{
    /// <summary>The parent run id of a nested run (tag <c>mlflow.parentRunId</c>), or null.</summary>
    public string? ParentRunId => Tags.TryGetValue(SystemTags.ParentRunId, out var p) ? p : null;

    /// <summary>The run name from the info, else from the tag <c>mlflow.runName</c>.</summary>
    public string? Name => Info.RunName ?? (Tags.TryGetValue(SystemTags.RunName, out var n) ? n : null);
}

/// <summary>One entry of a run's artifact listing.</summary>
/// <param name="Path">Path relative to the run's artifact root, with <c>/</c> separators.</param>
/// <param name="IsDir">True for a folder.</param>
/// <param name="FileSize">Size in bytes for a file.</param>
public sealed record ArtifactEntry(string Path, bool IsDir, long? FileSize);
