namespace Research.Core.Mlflow;

/// <summary>What one <see cref="StoreSync.Sync"/> did.</summary>
/// <param name="RunsCreated">Runs created on the target.</param>
/// <param name="RunsUpdated">Existing target runs that received missing data.</param>
/// <param name="RunsUnchanged">Runs already complete on the target.</param>
/// <param name="MetricPoints">Metric points uploaded.</param>
/// <param name="Artifacts">Artifact files uploaded.</param>
/// <param name="Problems">Conflicts and errors, one sentence each (the sync went on past them).</param>
public sealed record SyncReport(int RunsCreated, int RunsUpdated, int RunsUnchanged, int MetricPoints, int Artifacts, IReadOnlyList<string> Problems);

/// <summary>
/// Uploads the runs of a local file store (including fallback runs written while a server was down) to a
/// tracking store, idempotently: running it again uploads nothing twice. A run created by the sync carries
/// the tag <see cref="SourceRunTag"/> (the local run id), so a re-run finds it; a fallback run continues the
/// server run named by its tag <c>research.fallback.server_run_id</c>. Only what the target lacks is sent:
/// params and tags that are missing or differ, metric points not already in the target's history (compared as
/// a multiset of (timestamp, step, value)), artifact files missing or of another size, and the final status.
/// Parents go before children, so <c>mlflow.parentRunId</c> is rewritten to the target's ids.
/// </summary>
public static class StoreSync
{
    /// <summary>Tag on a target run: the id of the local run it was uploaded from.</summary>
    public const string SourceRunTag = "research.sync.source_run_id";

    /// <summary>Tag on a local fallback run: the server run it continues (the sync appends to that run).</summary>
    public const string FallbackServerRunTag = "research.fallback.server_run_id";

    /// <summary>Tag on a local fallback run: the server it was meant for (without credentials).</summary>
    public const string FallbackServerUriTag = "research.fallback.server_uri";

    /// <summary>Uploads every active run of <paramref name="source"/> to <paramref name="target"/>; <paramref name="log"/> gets one line per run.</summary>
    public static SyncReport Sync(FileStore source, ITrackingStore target, Action<string>? log = null)
    {
        log ??= _ => { };
        var problems = new List<string>();
        int created = 0, updated = 0, unchanged = 0, points = 0, artifacts = 0;
        var experiments = source.ListExperiments().Where(e => e.LifecycleStage == "active").ToList();
        var runs = experiments.SelectMany(e => source.SearchRuns([e.ExperimentId]).Select(r => (Experiment: e, Run: r))).ToList();
        var localIds = runs.Select(r => r.Run.Info.RunId).ToHashSet();
        var byId = runs.ToDictionary(r => r.Run.Info.RunId, r => r.Run);
        int Depth(RunRecord r) => r.ParentRunId is { } p && localIds.Contains(p) && p != r.Info.RunId && byId[p].ParentRunId != r.Info.RunId ? 1 + Depth(byId[p]) : 0;
        var idMap = new Dictionary<string, string>(StringComparer.Ordinal);
        var targetExperiments = new Dictionary<string, (string Id, Dictionary<string, RunRecord> BySource)>(StringComparer.Ordinal);

        foreach (var (experiment, local) in runs.OrderBy(r => Depth(r.Run)).ThenBy(r => r.Run.Info.StartTime))
        {
            var localId = local.Info.RunId;
            try
            {
                if (!targetExperiments.TryGetValue(experiment.Name, out var te))
                {
                    var id = target.GetOrCreateExperiment(experiment.Name);
                    var bySource = new Dictionary<string, RunRecord>(StringComparer.Ordinal);
                    foreach (var r in target.SearchRuns([id]))
                        if (r.Tags.TryGetValue(SourceRunTag, out var s)) bySource[s] = r;
                    targetExperiments[experiment.Name] = te = (id, bySource);
                }
                var tags = local.Tags.Where(kv => !kv.Key.StartsWith("research.fallback.", StringComparison.Ordinal))
                    .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
                if (local.ParentRunId is { } parent && idMap.TryGetValue(parent, out var mappedParent)) tags[SystemTags.ParentRunId] = mappedParent;

                RunRecord? existing = null;
                if (local.Tags.TryGetValue(FallbackServerRunTag, out var serverRunId)) existing = target.GetRun(serverRunId);
                existing ??= te.BySource.GetValueOrDefault(localId);
                bool isNew = existing is null;
                RunInfo targetInfo;
                if (existing is null)
                {
                    tags[SourceRunTag] = localId;
                    targetInfo = target.CreateRun(te.Id, local.Name, local.Info.StartTime, tags);
                    existing = new RunRecord(targetInfo, new Dictionary<string, string>(), new Dictionary<string, MetricPoint>(), tags);
                    created++;
                }
                else targetInfo = existing.Info;
                idMap[localId] = targetInfo.RunId;

                var newParams = new List<KeyValuePair<string, string>>();
                foreach (var (k, v) in local.Params)
                {
                    if (!existing.Params.TryGetValue(k, out var old)) newParams.Add(new(k, v));
                    else if (old != v) problems.Add($"run {localId}: param '{k}' is '{v}' locally but '{old}' on the target run {targetInfo.RunId}; kept the target's value.");
                }
                var newTags = isNew ? [] : tags.Where(kv => !existing.Tags.TryGetValue(kv.Key, out var old) || old != kv.Value).ToList();
                var newPoints = new List<MetricPoint>();
                foreach (var key in local.Metrics.Keys)
                {
                    var remaining = new Dictionary<(long, long, long), int>();
                    if (!isNew)
                        foreach (var p in target.GetMetricHistory(targetInfo.RunId, key))
                            remaining[Identity(p)] = remaining.GetValueOrDefault(Identity(p)) + 1;
                    foreach (var p in source.GetMetricHistory(localId, key))
                    {
                        if (remaining.TryGetValue(Identity(p), out var n) && n > 0) { remaining[Identity(p)] = n - 1; continue; }
                        newPoints.Add(p);
                    }
                }
                if (newParams.Count + newTags.Count + newPoints.Count > 0) target.LogBatch(targetInfo.RunId, newPoints, newParams, newTags);
                points += newPoints.Count;

                var uploaded = SyncArtifacts(source, target, localId, targetInfo, isNew, problems);
                artifacts += uploaded;

                var statusChanged = local.Info.Status.IsTerminal() && (existing.Info.Status != local.Info.Status || existing.Info.EndTime != local.Info.EndTime);
                if (statusChanged) target.UpdateRun(targetInfo.RunId, local.Info.Status, local.Info.EndTime);
                var changed = isNew || newParams.Count + newTags.Count + newPoints.Count + uploaded > 0 || statusChanged;
                if (!isNew && changed) updated++;
                if (!changed) unchanged++;
                log($"{(isNew ? "created" : changed ? "updated" : "up to date")}: {experiment.Name}/{local.Name} {localId} -> {targetInfo.RunId} " +
                    $"({newPoints.Count} metric points, {newParams.Count} params, {newTags.Count} tags, {uploaded} artifacts)");
            }
            catch (TrackingException e)
            {
                problems.Add($"run {localId} ({experiment.Name}/{local.Name}): {e.Message}");
                log($"FAILED: {experiment.Name}/{local.Name} {localId}: {e.Message}");
            }
        }
        return new SyncReport(created, updated, unchanged, points, artifacts, problems);
    }

    private static (long, long, long) Identity(MetricPoint p) => (p.TimestampMs, p.Step, BitConverter.DoubleToInt64Bits(p.Value));

    private static int SyncArtifacts(FileStore source, ITrackingStore target, string localId, RunInfo targetInfo, bool isNew, List<string> problems)
    {
        var (_, artifactDir) = source.RunFolders(localId);
        if (!Directory.Exists(artifactDir)) return 0;
        var count = 0;
        var listings = new Dictionary<string, Dictionary<string, ArtifactEntry>>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(artifactDir, "*", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
        {
            var rel = Path.GetRelativePath(artifactDir, file).Replace(Path.DirectorySeparatorChar, '/');
            if (!isNew)
            {
                var folder = rel.Contains('/') ? rel[..rel.LastIndexOf('/')] : "";
                if (!listings.TryGetValue(folder, out var listing))
                    listings[folder] = listing = target.ListArtifacts(targetInfo.RunId, folder.Length == 0 ? null : folder).ToDictionary(a => a.Path, StringComparer.Ordinal);
                if (listing.TryGetValue(rel, out var entry) && entry.FileSize == new FileInfo(file).Length) continue;
            }
            try
            {
                target.UploadArtifact(targetInfo, file, rel);
                count++;
            }
            catch (TrackingException e) { problems.Add($"run {localId}: artifact '{rel}' not uploaded: {e.Message}"); }
        }
        return count;
    }
}
