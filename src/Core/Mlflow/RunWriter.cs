namespace Research.Core.Mlflow;

/// <summary>One thing to record for a run, in the order it was logged.</summary>
internal readonly record struct RunItem(RunItem.Kind What, MetricPoint Metric = default, string Key = "", string Value = "",
    RunStatus Status = RunStatus.Running, long? EndTime = null)
{
    public enum Kind { Metric, Param, Tag, Artifact, Update }

    public static RunItem OfMetric(MetricPoint p) => new(Kind.Metric, p);
    public static RunItem OfParam(string key, string value) => new(Kind.Param, Key: key, Value: value);
    public static RunItem OfTag(string key, string value) => new(Kind.Tag, Key: key, Value: value);
    /// <summary>An artifact: <see cref="Key"/> is the artifact path, <see cref="Value"/> the local file.</summary>
    public static RunItem OfArtifact(string artifactPath, string localFile) => new(Kind.Artifact, Key: artifactPath, Value: localFile);
    public static RunItem OfUpdate(RunStatus status, long? endTime) => new(Kind.Update, Status: status, EndTime: endTime);
}

/// <summary>
/// Where a <see cref="TrackedRun"/> sends its items. Implementations never throw: a failure becomes a
/// warning, because training must not stop when tracking fails.
/// </summary>
internal interface IRunWriter
{
    /// <summary>The run as the target store knows it.</summary>
    RunInfo Run { get; }

    /// <summary>True when the data goes to the local fallback store instead of the server.</summary>
    bool IsFallback { get; }

    /// <summary>The first failure because the store's disk is full (ENOSPC, EDQUOT), or null.</summary>
    string? OutOfSpace { get; }

    /// <summary>Cancelled at the first out-of-space failure.</summary>
    CancellationToken OutOfSpaceToken { get; }

    /// <summary>Records items in order (may return before they are stored).</summary>
    void Write(IReadOnlyList<RunItem> items);

    /// <summary>Waits until everything written so far is stored; false on timeout.</summary>
    bool Flush(TimeSpan timeout);

    /// <summary>Stores what is left (falling back if the server does not take it within <paramref name="flushTimeout"/>) and releases resources.</summary>
    void Close(TimeSpan flushTimeout);
}

/// <summary>Writes straight into a <see cref="FileStore"/>, in the caller's thread.</summary>
internal sealed class FileRunWriter(FileStore store, RunInfo run, Action<string> warn, bool isFallback) : IRunWriter
{
    private readonly HashSet<string> _warned = [];
    private readonly CancellationTokenSource _outOfSpace = new();
    private string? _outOfSpaceMessage;

    public RunInfo Run { get; } = run;
    public bool IsFallback { get; } = isFallback;
    public string? OutOfSpace => Volatile.Read(ref _outOfSpaceMessage);
    public CancellationToken OutOfSpaceToken => _outOfSpace.Token;

    public void Write(IReadOnlyList<RunItem> items) => Store(store, Run, items, what => WarnOnce(what), NoteFailure);

    private void NoteFailure(string what, Exception e)
    {
        if (!IsOutOfSpace(e)) return;
        if (Interlocked.CompareExchange(ref _outOfSpaceMessage, $"the tracking store {store.Root} is out of space ({what}: {e.Message})", null) is null)
            _outOfSpace.Cancel();
    }

    /// <summary>True for an I/O error meaning the disk (or the user's quota) is full: ENOSPC (28), EDQUOT (122), Windows' disk full (0x70, 0x27).</summary>
    internal static bool IsOutOfSpace(Exception e) =>
        e is IOException io && (io.HResult is 28 or 122 || (io.HResult & 0xFFFF) is 0x70 or 0x27);

    /// <summary>Writes items into a file-store run in order, batching neighbours; failures go to <paramref name="warn"/> (and <paramref name="failed"/>).</summary>
    internal static void Store(FileStore store, RunInfo run, IReadOnlyList<RunItem> items, Action<string> warn, Action<string, Exception>? failed = null)
    {
        var metrics = new List<MetricPoint>();
        var parameters = new List<KeyValuePair<string, string>>();
        var tags = new List<KeyValuePair<string, string>>();
        void FlushBatch()
        {
            if (metrics.Count + parameters.Count + tags.Count == 0) return;
            try { store.LogBatch(run.RunId, metrics, parameters, tags); }
            catch (Exception e)
            {
                warn($"could not write {metrics.Count} metric points, {parameters.Count} params, {tags.Count} tags of run {run.RunId} to {store.Root}: {e.Message}");
                failed?.Invoke("writing metrics, params or tags", e);
            }
            metrics.Clear(); parameters.Clear(); tags.Clear();
        }
        foreach (var item in items)
        {
            switch (item.What)
            {
                case RunItem.Kind.Metric: metrics.Add(item.Metric); break;
                case RunItem.Kind.Param:
                    if (parameters.Any(p => p.Key == item.Key)) FlushBatch();
                    parameters.Add(new(item.Key, item.Value));
                    break;
                case RunItem.Kind.Tag: tags.Add(new(item.Key, item.Value)); break;
                case RunItem.Kind.Artifact:
                    FlushBatch();
                    try { store.UploadArtifact(run, item.Value, item.Key); }
                    catch (Exception e)
                    {
                        warn($"could not store artifact '{item.Key}' from {item.Value} for run {run.RunId}: {e.Message}");
                        failed?.Invoke($"storing artifact '{item.Key}'", e);
                    }
                    break;
                case RunItem.Kind.Update:
                    FlushBatch();
                    try { store.UpdateRun(run.RunId, item.Status, item.EndTime); }
                    catch (Exception e)
                    {
                        warn($"could not set status {item.Status.ToMlflowName()} of run {run.RunId}: {e.Message}");
                        failed?.Invoke($"setting status {item.Status.ToMlflowName()}", e);
                    }
                    break;
            }
        }
        FlushBatch();
    }

    public bool Flush(TimeSpan timeout) => true;

    public void Close(TimeSpan flushTimeout) => store.CloseRun(Run.RunId);

    private void WarnOnce(string message)
    {
        lock (_warned)
            if (!_warned.Add(message.Split(':')[0])) return;
        warn(message);
    }
}
