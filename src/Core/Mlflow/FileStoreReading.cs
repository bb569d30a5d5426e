namespace Research.Core.Mlflow;

/// <summary>
/// The reading side of <see cref="FileStore"/>. Strict like the MLflow server (notes/mlflow-formats.md §5,
/// "What the reader requires"): a value of the wrong YAML type, an id that differs from its folder, a
/// malformed metric line or an invalid key name is an error naming the file, so a store this reader accepts
/// is one MLflow accepts. A run folder without <c>meta.yaml</c> is skipped, as MLflow does.
/// </summary>
public sealed partial class FileStore
{
    /// <inheritdoc />
    public IReadOnlyList<ExperimentInfo> ListExperiments()
    {
        if (!Directory.Exists(Root)) return [];
        return Directory.EnumerateDirectories(Root).Where(IsExperimentDir)
            .Where(d => File.Exists(Path.Combine(d, "meta.yaml")))
            .Select(ReadExperiment).OfType<ExperimentInfo>()
            .OrderBy(e => e.CreationTime ?? 0).ThenBy(e => e.ExperimentId, StringComparer.Ordinal).ToList();
    }

    /// <inheritdoc />
    public ExperimentInfo? GetExperimentByName(string name) =>
        ListExperiments().FirstOrDefault(e => e.Name == name && e.LifecycleStage == "active");

    private string? FindActiveExperimentId(string name)
    {
        if (!Directory.Exists(Root)) return null;
        foreach (var dir in Directory.EnumerateDirectories(Root).Where(IsExperimentDir))
        {
            var meta = Path.Combine(dir, "meta.yaml");
            if (!File.Exists(meta)) continue;
            try
            {
                var e = ReadExperiment(dir);
                if (e is not null && e.Name == name && e.LifecycleStage == "active") return e.ExperimentId;
            }
            catch (TrackingException)
            {
                // Another experiment's broken meta.yaml must not stop this one from being found or created.
            }
        }
        return null;
    }

    private static ExperimentInfo? ReadExperiment(string dir)
    {
        var path = Path.Combine(dir, "meta.yaml");
        var meta = ReadMeta(path);
        var id = RequireString(meta, "experiment_id", path, allowInt: true);
        if (id != Path.GetFileName(dir)) return null; // MLflow ignores an experiment whose id differs from its folder
        var stage = RequireString(meta, "lifecycle_stage", path);
        if (stage is not ("active" or "deleted")) throw new TrackingException($"{path}: lifecycle_stage '{stage}' is not 'active' or 'deleted'.");
        return new ExperimentInfo(id, RequireString(meta, "name", path), RequireString(meta, "artifact_location", path), stage,
            OptionalLong(meta, "creation_time", path), OptionalLong(meta, "last_update_time", path), ReadKeyFiles(dir, "tags", "tag"));
    }

    /// <inheritdoc />
    public IReadOnlyList<RunRecord> SearchRuns(IReadOnlyList<string> experimentIds)
    {
        var runs = new List<RunRecord>();
        foreach (var expId in experimentIds)
        {
            var expDir = Path.Combine(Root, expId);
            if (!Directory.Exists(expDir)) continue;
            foreach (var runDir in Directory.EnumerateDirectories(expDir))
            {
                var name = Path.GetFileName(runDir);
                if (name is "tags" or "datasets" || !File.Exists(Path.Combine(runDir, "meta.yaml"))) continue;
                var run = ReadRun(runDir, expId);
                if (run is not null && run.Info.LifecycleStage == "active") runs.Add(run);
            }
        }
        return runs.OrderByDescending(r => r.Info.StartTime).ToList();
    }

    /// <inheritdoc />
    public RunRecord? GetRun(string runId)
    {
        string runDir;
        try { runDir = RunDir(runId); }
        catch (TrackingException) { return null; }
        return ReadRun(runDir, Path.GetFileName(Path.GetDirectoryName(runDir))!);
    }

    /// <summary>The run's folder and its artifact folder on disk.</summary>
    public (string RunDirectory, string ArtifactDirectory) RunFolders(string runId)
    {
        var dir = RunDir(runId);
        return (dir, Path.Combine(dir, "artifacts"));
    }

    /// <inheritdoc />
    public IReadOnlyList<MetricPoint> GetMetricHistory(string runId, string key)
    {
        MlflowNames.ValidateMetricKey(key);
        var path = KeyPath(RunDir(runId), "metrics", key);
        return File.Exists(path) ? MetricFile.Parse(File.ReadAllText(path, Utf8), key, path) : [];
    }

    /// <inheritdoc />
    public IReadOnlyList<ArtifactEntry> ListArtifacts(string runId, string? path = null)
    {
        var root = Path.Combine(RunDir(runId), "artifacts");
        var dir = path is null ? root : ArtifactPath(runId, path);
        if (!Directory.Exists(dir)) return [];
        var prefix = path is null ? "" : path.TrimEnd('/') + "/";
        return Directory.EnumerateFileSystemEntries(dir).OrderBy(p => p, StringComparer.Ordinal)
            .Select(p => Directory.Exists(p)
                ? new ArtifactEntry(prefix + Path.GetFileName(p), true, null)
                : new ArtifactEntry(prefix + Path.GetFileName(p), false, new FileInfo(p).Length))
            .ToList();
    }

    private static RunRecord? ReadRun(string runDir, string expId)
    {
        var path = Path.Combine(runDir, "meta.yaml");
        var meta = ReadMeta(path);
        var runUuid = RequireString(meta, "run_uuid", path);
        if (runUuid != Path.GetFileName(runDir)) throw new TrackingException($"{path}: run_uuid '{runUuid}' differs from the run folder name.");
        var metaExp = RequireString(meta, "experiment_id", path, allowInt: true);
        if (metaExp != expId) return null; // skipped by MLflow's search (it logs a warning)
        if (!meta.TryGetValue("user_id", out var user) || user is not string userId) throw new TrackingException($"{path}: user_id must be a string (it may be '').");
        var start = OptionalLong(meta, "start_time", path) ?? throw new TrackingException($"{path}: start_time is missing or null.");
        if (!meta.ContainsKey("end_time")) throw new TrackingException($"{path}: the key end_time is missing (it may be null).");
        var end = OptionalLong(meta, "end_time", path);
        var statusNumber = OptionalLong(meta, "status", path) ?? 1;
        if (statusNumber is < 1 or > 5) throw new TrackingException($"{path}: status {statusNumber} is not an int 1..5.");
        var stage = meta.TryGetValue("lifecycle_stage", out var ls) && ls is not null ? ls as string ?? "" : "active";
        if (stage is not ("active" or "deleted")) throw new TrackingException($"{path}: lifecycle_stage '{ls}' is not 'active' or 'deleted'.");
        var tags = ReadKeyFiles(runDir, "tags", "tag");
        string? runName = null;
        if (meta.TryGetValue("run_name", out var rn) && rn is not null)
            runName = rn as string ?? throw new TrackingException($"{path}: run_name must be a (quoted) string, got {rn}.");
        if (string.IsNullOrEmpty(runName)) runName = tags.GetValueOrDefault(SystemTags.RunName);
        var artifactUri = meta.GetValueOrDefault("artifact_uri") as string ?? "";
        var info = new RunInfo(runUuid, expId, runName, userId, (RunStatus)statusNumber, start, end, artifactUri, stage);
        var metrics = new Dictionary<string, MetricPoint>(StringComparer.Ordinal);
        var metricsDir = Path.Combine(runDir, "metrics");
        foreach (var (key, file) in KeyFiles(metricsDir, "metric"))
        {
            var points = MetricFile.Parse(File.ReadAllText(file, Utf8), key, file);
            var latest = points[0];
            foreach (var p in points) if (MetricPoint.CompareForLatest(p, latest) > 0) latest = p;
            metrics[key] = latest;
        }
        return new RunRecord(info, ReadKeyFiles(runDir, "params", "param"), metrics, tags);
    }

    private static Dictionary<string, string> ReadKeyFiles(string parent, string kind, string what) =>
        KeyFiles(Path.Combine(parent, kind), what).ToDictionary(kv => kv.Key, kv => ReadUtf8(kv.File), StringComparer.Ordinal);

    private static IEnumerable<(string Key, string File)> KeyFiles(string dir, string what)
    {
        if (!Directory.Exists(dir)) yield break;
        foreach (var file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
        {
            var key = Path.GetRelativePath(dir, file).Replace(Path.DirectorySeparatorChar, '/');
            try { MlflowNames.ValidateTagKey(key); }
            catch (TrackingException e) { throw new TrackingException($"{file}: invalid {what} key: {e.Message}"); }
            yield return (key, file);
        }
    }

    private static string ReadUtf8(string file)
    {
        try { return File.ReadAllText(file, Utf8); }
        catch (System.Text.DecoderFallbackException e) { throw new TrackingException($"{file} is not valid UTF-8.", e); }
    }

    private static Dictionary<string, object?> ReadMeta(string path)
    {
        try { return MetaYaml.Read(ReadUtf8(path)); }
        catch (FormatException e) { throw new TrackingException($"{path} is not valid YAML: {e.Message}", e); }
    }

    private static string RequireString(Dictionary<string, object?> meta, string key, string path, bool allowInt = false)
    {
        if (!meta.TryGetValue(key, out var v) || v is null) throw new TrackingException($"{path}: required key '{key}' is missing or null.");
        if (v is string s) return s;
        if (allowInt && v is long l) return l.ToString(System.Globalization.CultureInfo.InvariantCulture);
        throw new TrackingException($"{path}: '{key}' must be a string, got {v} ({v.GetType().Name}); quote it.");
    }

    private static long? OptionalLong(Dictionary<string, object?> meta, string key, string path)
    {
        if (!meta.TryGetValue(key, out var v) || v is null) return null;
        return v switch
        {
            long l => l,
            double d when d == Math.Floor(d) && !double.IsInfinity(d) => (long)d,
            _ => throw new TrackingException($"{path}: '{key}' must be an unquoted integer, got '{v}'."),
        };
    }
}
