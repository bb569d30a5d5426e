namespace Research.Core.Mlflow;

/// <summary>What a fallback run needs to start: where and as what, plus everything logged so far that it should repeat.</summary>
internal sealed record FallbackSeed(string ExperimentName, string RunName, long StartTime,
    IReadOnlyList<KeyValuePair<string, string>> Params, IReadOnlyList<KeyValuePair<string, string>> Tags);

/// <summary>
/// Sends a run's items to a tracking server from a background thread, so training never waits on the network.
/// Items wait in an ordered, bounded in-memory queue and go out as <c>runs/log-batch</c> calls within MLflow's
/// limits. While the server is unreachable (connection errors, timeouts, 5xx, 429) the same batch is retried
/// with backoff and new items queue behind it, so on recovery everything arrives once and in order. If the
/// outage outlasts <see cref="TrackingOptions.OutageTolerance"/>, the queue fills up, or ending the run cannot
/// flush in time, the run switches for good to a local fallback run in <see cref="TrackingOptions.FallbackStore"/>
/// (tagged with the server run's id, for <see cref="StoreSync"/>) and one warning says so. A validation error
/// (4xx) is reported with MLflow's message and that batch dropped; it is never retried.
/// </summary>
internal sealed class BufferedRestWriter : IRunWriter
{
    private readonly MlflowRestClient _client;
    private readonly TrackingOptions _options;
    private readonly Func<FallbackSeed> _seed;
    private readonly Action<string> _warn;
    private readonly LinkedList<RunItem> _queue = new();
    private readonly object _gate = new();
    private readonly Thread _pump;
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(20);
    private const int MaxRejectionWarnings = 5;
    private int _inFlight, _consecutiveFailures, _flushWaiters, _rejections;
    private DateTime? _failingSince;
    private bool _overflow, _forceFallback, _stopping;
    private (FileStore Store, RunInfo Run)? _fallback;
    private bool _fallbackBroken;

    public BufferedRestWriter(MlflowRestClient client, RunInfo run, TrackingOptions options, Func<FallbackSeed> seed, Action<string> warn)
    {
        _client = client;
        Run = run;
        _options = options;
        _seed = seed;
        _warn = warn;
        _pump = new Thread(PumpLoop) { IsBackground = true, Name = $"mlflow-run-{run.RunId[..8]}" };
        _pump.Start();
    }

    public RunInfo Run { get; }

    /// <summary>Null: a server's disk is the server's concern (the fallback store's failures are warnings).</summary>
    public string? OutOfSpace => null;

    public CancellationToken OutOfSpaceToken => CancellationToken.None;

    public bool IsFallback { get { lock (_gate) return _fallback is not null || _fallbackBroken; } }

    /// <summary>The local fallback run, once the writer has switched to it.</summary>
    public RunInfo? FallbackRun { get { lock (_gate) return _fallback?.Run; } }

    public void Write(IReadOnlyList<RunItem> items)
    {
        lock (_gate)
        {
            while (_queue.Count >= _options.BufferCapacity && _fallback is null && !_fallbackBroken)
            {
                if (_failingSince is not null) { _overflow = true; Monitor.PulseAll(_gate); break; }
                Monitor.Wait(_gate, 200); // a healthy but slower server: brief back-pressure
            }
            foreach (var item in items) _queue.AddLast(item);
            Monitor.PulseAll(_gate);
        }
    }

    public bool Flush(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        lock (_gate)
        {
            _flushWaiters++;
            Monitor.PulseAll(_gate);
            try
            {
                while (_queue.Count > 0 || _inFlight > 0)
                {
                    var left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero) return false;
                    Monitor.Wait(_gate, left);
                }
                return true;
            }
            finally { _flushWaiters--; }
        }
    }

    public void Close(TimeSpan flushTimeout)
    {
        if (!Flush(flushTimeout))
        {
            lock (_gate) { _forceFallback = true; Monitor.PulseAll(_gate); }
            Flush(TimeSpan.FromSeconds(60));
        }
        lock (_gate) { _stopping = true; Monitor.PulseAll(_gate); }
        _pump.Join(TimeSpan.FromSeconds(10));
        lock (_gate) _fallback?.Store.Dispose();
    }

    private void PumpLoop()
    {
        while (true)
        {
            List<RunItem> batch;
            lock (_gate)
            {
                while (_queue.Count == 0 && !_stopping) Monitor.Wait(_gate);
                if (_queue.Count == 0) return;
                // Linger briefly so the several logging calls of one step travel in one request.
                var until = DateTime.UtcNow + Linger;
                while (_queue.Count < MlflowNames.MaxMetricsPerBatch && _flushWaiters == 0 && !_stopping && DateTime.UtcNow < until)
                    Monitor.Wait(_gate, until - DateTime.UtcNow);
                batch = TakeBatch();
                _inFlight = batch.Count;
            }
            var done = _fallback is not null || _fallbackBroken ? StoreLocally(batch) : TrySend(batch);
            lock (_gate)
            {
                if (done) for (var i = 0; i < batch.Count; i++) _queue.RemoveFirst();
                _inFlight = 0;
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>The longest prefix of the queue that fits one request: a log-batch, or a single artifact or update.</summary>
    private List<RunItem> TakeBatch()
    {
        var batch = new List<RunItem>();
        int metrics = 0, parameters = 0, tags = 0;
        var paramKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in _queue)
        {
            if (item.What is RunItem.Kind.Artifact or RunItem.Kind.Update)
            {
                if (batch.Count == 0) batch.Add(item);
                break;
            }
            if (_fallback is not null && batch.Count >= 5000) break;
            if (_fallback is null)
            {
                if (metrics + parameters + tags >= MlflowNames.MaxEntitiesPerBatch) break;
                if (item.What == RunItem.Kind.Metric && metrics >= MlflowNames.MaxMetricsPerBatch) break;
                if (item.What == RunItem.Kind.Param && (parameters >= MlflowNames.MaxParamsPerBatch || paramKeys.Contains(item.Key))) break;
                if (item.What == RunItem.Kind.Tag && tags >= MlflowNames.MaxTagsPerBatch) break;
            }
            switch (item.What)
            {
                case RunItem.Kind.Metric: metrics++; break;
                case RunItem.Kind.Param: parameters++; paramKeys.Add(item.Key); break;
                default: tags++; break;
            }
            batch.Add(item);
        }
        return batch;
    }

    /// <summary>One attempt to send a batch; true when it is done with (sent, or rejected for good).</summary>
    private bool TrySend(List<RunItem> batch)
    {
        try
        {
            var first = batch[0];
            if (first.What == RunItem.Kind.Artifact) _client.UploadArtifact(Run, first.Value, first.Key);
            else if (first.What == RunItem.Kind.Update) _client.UpdateRun(Run.RunId, first.Status, first.EndTime);
            else
                _client.LogBatch(Run.RunId,
                    batch.Where(i => i.What == RunItem.Kind.Metric).Select(i => i.Metric).ToList(),
                    batch.Where(i => i.What == RunItem.Kind.Param).Select(i => new KeyValuePair<string, string>(i.Key, i.Value)).ToList(),
                    batch.Where(i => i.What == RunItem.Kind.Tag).Select(i => new KeyValuePair<string, string>(i.Key, i.Value)).ToList());
            lock (_gate) { _failingSince = null; _consecutiveFailures = 0; }
            return true;
        }
        catch (TrackingUnavailableException e)
        {
            lock (_gate)
            {
                var now = DateTime.UtcNow;
                _failingSince ??= now;
                var reason = _overflow ? $"the in-memory buffer is full ({_options.BufferCapacity} items)"
                    : _forceFallback ? "the run ended before the buffered data could be sent"
                    : now - _failingSince >= _options.OutageTolerance ? $"it has been unreachable since {_failingSince:HH:mm:ss} UTC"
                    : null;
                if (reason is null)
                {
                    // Wait out the backoff; only an overflow, a forced fallback or the end cuts it short.
                    var until = now + _client.Backoff(Math.Min(++_consecutiveFailures, 10));
                    while (!_overflow && !_forceFallback && DateTime.UtcNow < until) Monitor.Wait(_gate, until - DateTime.UtcNow);
                    return false;
                }
                StartFallback($"{reason}; last error: {e.Message}");
                return false; // the same items now go to the fallback run
            }
        }
        catch (MlflowApiException e) when (e.HttpStatus is 401 or 403 or 404)
        {
            // Credentials refused, or the run gone from the server: no later batch can succeed either, so keep
            // the data locally rather than dropping batch after batch.
            lock (_gate) StartFallback($"it answered HTTP {e.HttpStatus} {e.ErrorCode}: {e.ServerMessage}");
            return false;
        }
        catch (Exception e) when (e is TrackingException or IOException or UnauthorizedAccessException)
        {
            Reject($"MLflow rejected data of run {Run.RunId} ({Describe(batch)}); it was dropped: {e.Message}");
            return true;
        }
        catch (Exception e)
        {
            // Anything else (an unreadable answer, a bug): the pump must live on, or the run could never end.
            Reject($"Sending data of run {Run.RunId} ({Describe(batch)}) failed unexpectedly; it was dropped: {e.GetType().Name}: {e.Message}");
            return true;
        }
    }

    /// <summary>Warns about a dropped batch; after <see cref="MaxRejectionWarnings"/> of them, only counts (no log flood).</summary>
    private void Reject(string message)
    {
        var n = Interlocked.Increment(ref _rejections);
        if (n <= MaxRejectionWarnings) _warn(n == MaxRejectionWarnings ? message + " (further rejections of this run are not reported)" : message);
    }

    private void StartFallback(string reason)
    {
        var seed = _seed();
        try
        {
            var store = new FileStore(_options.FallbackStore);
            var expId = store.GetOrCreateExperiment(seed.ExperimentName);
            var tags = seed.Tags.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            tags[StoreSync.FallbackServerRunTag] = Run.RunId;
            tags[StoreSync.FallbackServerUriTag] = _client.Uri;
            tags[SystemTags.RunName] = seed.RunName;
            var local = store.CreateRun(expId, seed.RunName, seed.StartTime, tags);
            store.LogBatch(local.RunId, [], seed.Params, []);
            _fallback = (store, local);
            _warn($"MLflow server {_client.Uri} is not taking data of run {Run.RunId} ('{seed.RunName}'): {reason}. " +
                  $"Training continues; this run's remaining data goes to the local store {store.Root} (experiment '{seed.ExperimentName}', run {local.RunId}). " +
                  $"Upload it later with: dotnet fsi scripts/sync.fsx {_options.FallbackStore} {_client.Uri}");
        }
        catch (Exception e)
        {
            _fallbackBroken = true;
            _warn($"MLflow server {_client.Uri} is not taking data of run {Run.RunId} ({reason}) and the local fallback store {_options.FallbackStore} could not be used either ({e.Message}); this run's remaining tracking data is dropped, training continues.");
        }
    }

    private bool StoreLocally(List<RunItem> batch)
    {
        if (_fallback is { } fb) FileRunWriter.Store(fb.Store, fb.Run, batch, _warn);
        return true;
    }

    private static string Describe(List<RunItem> batch) =>
        string.Join(", ", batch.GroupBy(i => i.What).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}"));
}
