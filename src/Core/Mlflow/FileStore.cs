using Research.Core.Runtime;
using System.Text;

namespace Research.Core.Mlflow;

/// <summary>
/// MLflow's file store (<c>mlruns/</c>), written so that <c>mlflow ui --backend-store-uri ./mlruns</c> reads it
/// unchanged (layout and types: notes/mlflow-formats.md §5, DESIGN §6). Every file is written atomically
/// (temp + rename; metric files by page-safe appends, see <see cref="MetricFile"/>) and a run's
/// <c>meta.yaml</c> is written last, so a process killed at any point leaves a store MLflow accepts.
/// Experiments are created under an exclusive file lock, so processes racing on one name get one experiment.
/// Thread-safe; several processes may write different runs of one store at once.
/// </summary>
public sealed partial class FileStore : ITrackingStore, IDisposable
{
    /// <summary>The default experiment MLflow creates in a new store.</summary>
    public const string DefaultExperimentId = "0";
    private const string LockFileName = ".research-store.lock";
    private static readonly UTF8Encoding Utf8 = new(false, true);
    private readonly object _gate = new();
    private readonly Dictionary<string, string> _runDirs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MetricFile> _metricFiles = new(StringComparer.Ordinal);

    /// <summary>Opens the store rooted at <paramref name="root"/> (created on first write). A <c>file:</c> URI is accepted.</summary>
    public FileStore(string root)
    {
        Root = Path.GetFullPath(LocalPathOf(root));
    }

    /// <summary>The absolute path of the store's root folder.</summary>
    public string Root { get; }

    /// <inheritdoc />
    public string Uri => Root;

    /// <summary>Turns <c>file:///abs</c>, <c>file:rel</c> or a plain path into a local path.</summary>
    public static string LocalPathOf(string uriOrPath)
    {
        if (uriOrPath.StartsWith("file://", StringComparison.OrdinalIgnoreCase)) return new Uri(uriOrPath).LocalPath;
        if (uriOrPath.StartsWith("file:", StringComparison.OrdinalIgnoreCase)) return uriOrPath[5..];
        return uriOrPath;
    }

    /// <summary>Milliseconds since the Unix epoch, now.</summary>
    public static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <inheritdoc />
    public string GetOrCreateExperiment(string name)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new TrackingException("Missing value for required parameter 'name' (experiment name is empty).");
        EnsureRoot();
        if (FindActiveExperimentId(name) is { } found) return found;
        using var _ = LockStore();
        if (FindActiveExperimentId(name) is { } raced) return raced;
        string id;
        do id = Random.Shared.NextInt64(100_000_000_000_000_000L, 1_000_000_000_000_000_000L).ToString(System.Globalization.CultureInfo.InvariantCulture);
        while (Directory.Exists(Path.Combine(Root, id)));
        WriteExperimentMeta(id, name);
        return id;
    }

    private void WriteExperimentMeta(string id, string name)
    {
        var dir = Path.Combine(Root, id);
        Directory.CreateDirectory(dir);
        var now = NowMs();
        AtomicFile.WriteAllText(Path.Combine(dir, "meta.yaml"), MetaYaml.Write(new KeyValuePair<string, object?>[]
        {
            new("artifact_location", new System.Uri(dir).AbsoluteUri),
            new("creation_time", now),
            new("experiment_id", id),
            new("last_update_time", now),
            new("lifecycle_stage", "active"),
            new("name", name),
        }), durable: true);
    }

    /// <summary>Creates the root like MLflow does for a new store: the folder, <c>.trash</c> and the Default experiment <c>0</c>.</summary>
    private void EnsureRoot()
    {
        if (File.Exists(Path.Combine(Root, DefaultExperimentId, "meta.yaml"))) return;
        Directory.CreateDirectory(Root);
        using var _ = LockStore();
        Directory.CreateDirectory(Path.Combine(Root, ".trash"));
        if (!Directory.Exists(Path.Combine(Root, DefaultExperimentId)) && !Directory.EnumerateDirectories(Root).Any(IsExperimentDir))
            WriteExperimentMeta(DefaultExperimentId, "Default");
    }

    /// <inheritdoc />
    public RunInfo CreateRun(string experimentId, string? runName, long startTimeMs, IReadOnlyDictionary<string, string> tags)
    {
        MlflowNames.ValidateExperimentId(experimentId);
        var expDir = Path.Combine(Root, experimentId);
        if (!File.Exists(Path.Combine(expDir, "meta.yaml"))) throw new TrackingException($"Could not find experiment with ID {experimentId} in {Root}");
        var allTags = new Dictionary<string, string>(tags, StringComparer.Ordinal);
        if (allTags.TryGetValue(SystemTags.RunName, out var tagName) && runName is not null && tagName != runName)
            throw new TrackingException($"Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='{runName}', mlflow.runName='{tagName}').");
        var name = runName ?? tagName ?? RunNames.Generate();
        allTags[SystemTags.RunName] = name;
        foreach (var (k, v) in allTags) MlflowNames.ValidateTag(k, v);

        var runId = Guid.NewGuid().ToString("N");
        var runDir = Path.Combine(expDir, runId);
        foreach (var sub in new[] { "metrics", "params", "tags", "artifacts" }) Directory.CreateDirectory(Path.Combine(runDir, sub));
        foreach (var (k, v) in allTags) WriteKeyFile(runDir, "tags", k, v);
        var info = new RunInfo(runId, experimentId, name, allTags.GetValueOrDefault(SystemTags.User, ""), RunStatus.Running, startTimeMs, null,
            new System.Uri(Path.Combine(runDir, "artifacts")).AbsoluteUri, "active");
        // meta.yaml last: until it exists, MLflow skips the folder; once it exists, the run is complete.
        WriteRunMeta(runDir, info);
        lock (_gate) _runDirs[runId] = runDir;
        return info;
    }

    private static void WriteRunMeta(string runDir, RunInfo info) =>
        AtomicFile.WriteAllText(Path.Combine(runDir, "meta.yaml"), MetaYaml.Write(new KeyValuePair<string, object?>[]
        {
            new("artifact_uri", info.ArtifactUri),
            new("end_time", info.EndTime),
            new("entry_point_name", ""),
            new("experiment_id", info.ExperimentId),
            new("lifecycle_stage", info.LifecycleStage),
            new("run_id", info.RunId),
            new("run_name", info.RunName ?? ""),
            new("run_uuid", info.RunId),
            new("source_name", ""),
            new("source_type", 4L),
            new("source_version", ""),
            new("start_time", info.StartTime),
            new("status", (long)info.Status),
            new("tags", MetaYaml.EmptyCollection.Instance),
            new("user_id", info.UserId),
        }), durable: true);

    /// <inheritdoc />
    public void LogBatch(string runId, IReadOnlyList<MetricPoint> metrics, IReadOnlyList<KeyValuePair<string, string>> parameters,
        IReadOnlyList<KeyValuePair<string, string>> tags)
    {
        foreach (var m in metrics) MlflowNames.ValidateMetricKey(m.Key);
        foreach (var (k, v) in parameters) MlflowNames.ValidateParam(k, v);
        foreach (var (k, v) in tags) MlflowNames.ValidateTag(k, v);
        var duplicates = parameters.GroupBy(p => p.Key).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0)
            throw new TrackingException($"Duplicate parameter keys have been submitted: [{string.Join(", ", duplicates.Select(d => $"'{d}'"))}]. Please ensure the request contains only one param value per param key.");
        lock (_gate)
        {
            var runDir = RunDir(runId);
            var newParams = new List<KeyValuePair<string, string>>();
            foreach (var (k, v) in parameters)
            {
                var path = KeyPath(runDir, "params", k);
                if (!File.Exists(path)) { newParams.Add(new(k, v)); continue; }
                var old = File.ReadAllText(path, Utf8);
                if (old != v)
                    throw new TrackingException($"Changing param values is not allowed. Param with key='{k}' was already logged with value='{old}' for run ID='{runId}'. Attempted logging new value '{v}'.");
            }
            foreach (var (k, v) in newParams) WriteKeyFile(runDir, "params", k, v);
            foreach (var (k, v) in tags)
            {
                WriteKeyFile(runDir, "tags", k, v);
                if (k == SystemTags.RunName) RewriteRunMeta(runDir, meta => meta["run_name"] = v);
            }
            foreach (var group in metrics.GroupBy(m => m.Key))
            {
                var path = KeyPath(runDir, "metrics", group.Key);
                if (!_metricFiles.TryGetValue(path, out var file)) _metricFiles[path] = file = new MetricFile(path, runDir);
                file.Append(group.ToList());
            }
        }
    }

    /// <inheritdoc />
    public void UpdateRun(string runId, RunStatus status, long? endTimeMs)
    {
        lock (_gate)
        {
            var runDir = RunDir(runId);
            RewriteRunMeta(runDir, meta =>
            {
                meta["status"] = (long)status;
                if (endTimeMs is not null) meta["end_time"] = endTimeMs;
            });
        }
    }

    /// <summary>Sets a run back to RUNNING with no end time (a resumed training continues it).</summary>
    public void ReopenRun(string runId)
    {
        lock (_gate)
        {
            var runDir = RunDir(runId);
            RewriteRunMeta(runDir, meta =>
            {
                meta["status"] = (long)RunStatus.Running;
                meta["end_time"] = null;
            });
        }
    }

    /// <summary>Closes the open metric files of a run (call when it ends; later logging reopens them).</summary>
    public void CloseRun(string runId)
    {
        lock (_gate)
        {
            if (!_runDirs.TryGetValue(runId, out var runDir)) return;
            foreach (var key in _metricFiles.Keys.Where(k => k.StartsWith(runDir + Path.DirectorySeparatorChar, StringComparison.Ordinal)).ToList())
            {
                _metricFiles[key].Dispose();
                _metricFiles.Remove(key);
            }
        }
    }

    private static void RewriteRunMeta(string runDir, Action<Dictionary<string, object?>> change)
    {
        var path = Path.Combine(runDir, "meta.yaml");
        var meta = MetaYaml.Read(File.ReadAllText(path, Utf8));
        change(meta);
        var entries = meta.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new KeyValuePair<string, object?>(kv.Key, kv.Value switch
        {
            double d when d == Math.Floor(d) => (long)d,
            double or bool => Convert.ToString(kv.Value, System.Globalization.CultureInfo.InvariantCulture),
            _ => kv.Value,
        }));
        AtomicFile.WriteAllText(path, MetaYaml.Write(entries), durable: true);
    }

    /// <inheritdoc />
    public void UploadArtifact(RunInfo run, string localFile, string artifactPath)
    {
        var destination = ArtifactPath(run.RunId, artifactPath);
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        AtomicFile.Copy(localFile, destination, RunDir(run.RunId));
    }

    /// <inheritdoc />
    public byte[] DownloadArtifact(RunInfo run, string artifactPath) => File.ReadAllBytes(ArtifactPath(run.RunId, artifactPath));

    /// <summary>The local path of an artifact, checked to lie inside the run's artifact folder.</summary>
    public string ArtifactPath(string runId, string artifactPath)
    {
        MlflowNames.ValidateArtifactPath(artifactPath);
        var root = Path.Combine(RunDir(runId), "artifacts");
        var full = Path.GetFullPath(Path.Combine(root, artifactPath));
        if (!full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new TrackingException($"Artifact path '{artifactPath}' resolves outside the artifact root of run {runId}.");
        return full;
    }

    private void WriteKeyFile(string runDir, string kind, string key, string value)
    {
        var path = KeyPath(runDir, kind, key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Temporaries in the run folder, never in params/ or tags/, where a reader would take them for keys.
        AtomicFile.WriteAllText(path, value, runDir);
    }

    private static string KeyPath(string runDir, string kind, string key) =>
        Path.Combine(runDir, kind, key.Replace('/', Path.DirectorySeparatorChar));

    private string RunDir(string runId)
    {
        lock (_gate)
        {
            if (_runDirs.TryGetValue(runId, out var dir) && Directory.Exists(dir)) return dir;
            MlflowNames.ValidateRunId(runId);
            if (Directory.Exists(Root))
            {
                foreach (var expDir in Directory.EnumerateDirectories(Root).Where(IsExperimentDir))
                {
                    var candidate = Path.Combine(expDir, runId);
                    if (File.Exists(Path.Combine(candidate, "meta.yaml"))) return _runDirs[runId] = candidate;
                }
            }
            throw new TrackingException($"Run '{runId}' not found in {Root}");
        }
    }

    private static bool IsExperimentDir(string dir)
    {
        var name = Path.GetFileName(dir);
        return name != ".trash" && name != "models" && !name.StartsWith('.');
    }

    private IDisposable LockStore()
    {
        Directory.CreateDirectory(Root);
        var path = Path.Combine(Root, LockFileName);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(Random.Shared.Next(2, 15));
            }
            catch (IOException e)
            {
                throw new TrackingException($"Could not lock the tracking store {path} within 60 s (another process holds it).", e);
            }
        }
    }

    /// <summary>Closes every open metric file.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var f in _metricFiles.Values) f.Dispose();
            _metricFiles.Clear();
        }
    }
}
