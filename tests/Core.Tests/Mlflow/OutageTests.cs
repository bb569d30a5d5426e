using Research.Core.Mlflow;
using Xunit;

namespace Research.Core.Tests.Mlflow;

/// <summary>
/// Outages of the tracking server: down at start, down mid-run, slow, 503/429 then OK, down for good. In every
/// case each metric point arrives exactly once and in order (on the server, or split between the server and the
/// local fallback run, which the sync then merges), and training calls never throw.
/// </summary>
public class OutageTests
{
    private static void LogSteps(TrackedRun run, int from, int to)
    {
        for (var s = from; s < to; s++) run.LogMetrics(s, new Dictionary<string, double> { ["loss"] = s * 0.5, ["aux"] = -s });
    }

    private static void AssertExactly(IEnumerable<long> steps, int count) => Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), steps);

    [Fact]
    public void DownAtStartThenUp()
    {
        using var server = new FakeMlflowServer(start: false);
        using var tmp = new TempStore();
        var warnings = new List<string>();
        using var tracker = new MlflowTracker(server.Uri, RestClientTests.Fast(tmp.Sub("fb"), warnings));
        var starter = new Thread(() => { Thread.Sleep(300); server.Start(); });
        starter.Start();
        var run = tracker.StartRun("exp", "late-server");
        LogSteps(run, 0, 500);
        run.End();
        starter.Join();
        Assert.False(run.IsFallback);
        Assert.Empty(warnings);
        AssertExactly(server.History(run.RunId, "loss").Select(p => p.Step), 500);
        Assert.Equal("FINISHED", server.Runs[run.RunId].Status);
    }

    [Fact]
    public void DownMidRunIsBufferedAndFlushedInOrder()
    {
        using var server = new FakeMlflowServer();
        using var tmp = new TempStore();
        var warnings = new List<string>();
        using var tracker = new MlflowTracker(server.Uri, RestClientTests.Fast(tmp.Sub("fb"), warnings));
        var run = tracker.StartRun("exp");
        LogSteps(run, 0, 200);
        Assert.True(run.Flush(TimeSpan.FromSeconds(10)));
        server.Stop();
        LogSteps(run, 200, 700); // buffered in memory
        run.SetTag("phase", "outage");
        Thread.Sleep(150);
        server.Start();
        LogSteps(run, 700, 800);
        run.End();
        Assert.Empty(warnings);
        AssertExactly(server.History(run.RunId, "loss").Select(p => p.Step), 800);
        AssertExactly(server.History(run.RunId, "aux").Select(p => -(long)p.Value), 800);
        Assert.Equal("outage", server.Runs[run.RunId].Tags["phase"]);
    }

    [Fact]
    public void AnArtifactGoneBeforeUploadIsReportedNotMistakenForAnOutage()
    {
        using var server = new FakeMlflowServer();
        using var tmp = new TempStore();
        var warnings = new List<string>();
        using var tracker = new MlflowTracker(server.Uri, RestClientTests.Fast(tmp.Sub("fb"), warnings));
        var run = tracker.StartRun("exp");
        run.Flush();
        server.Stop();
        var file = tmp.Sub("checkpoint.pt");
        File.WriteAllText(file, "weights");
        run.LogArtifact(file);
        File.Delete(file); // gone before the server is back
        LogSteps(run, 0, 10);
        server.Start();
        run.End();
        Assert.False(run.IsFallback);
        Assert.Contains("checkpoint.pt", Assert.Single(warnings));
        AssertExactly(server.History(run.RunId, "loss").Select(p => p.Step), 10);
        Assert.Equal("FINISHED", server.Runs[run.RunId].Status);
    }

    [Fact]
    public void RefusedCredentialsMidRunKeepTheDataLocally()
    {
        using var server = new FakeMlflowServer();
        using var tmp = new TempStore();
        var warnings = new List<string>();
        using var tracker = new MlflowTracker(server.Uri, RestClientTests.Fast(tmp.Sub("mlruns"), warnings));
        var run = tracker.StartRun("exp");
        LogSteps(run, 0, 20);
        run.Flush();
        server.FailNext(1000, 401); // e.g. a token that expired
        LogSteps(run, 20, 300);
        run.End();
        Assert.True(run.IsFallback);
        Assert.Contains("HTTP 401", Assert.Single(warnings));
        var local = new FileStore(tmp.Sub("mlruns"));
        var localRun = Assert.Single(local.SearchRuns([local.GetExperimentByName("exp")!.ExperimentId]));
        AssertExactly(server.History(run.RunId, "loss").Select(p => p.Step).Concat(local.GetMetricHistory(localRun.Info.RunId, "loss").Select(p => p.Step)), 300);
    }

    [Fact]
    public void SlowServer()
    {
        using var server = new FakeMlflowServer { Delay = TimeSpan.FromMilliseconds(30) };
        using var tmp = new TempStore();
        using var tracker = new MlflowTracker(server.Uri, RestClientTests.Fast(tmp.Sub("fb")));
        var run = tracker.StartRun("exp");
        LogSteps(run, 0, 1500);
        run.End();
        AssertExactly(server.History(run.RunId, "loss").Select(p => p.Step), 1500);
    }

    [Theory]
    [InlineData(503)]
    [InlineData(429)]
    [InlineData(500)]
    public void ServiceErrorsThenOk(int status)
    {
        using var server = new FakeMlflowServer();
        using var tmp = new TempStore();
        var warnings = new List<string>();
        using var tracker = new MlflowTracker(server.Uri, RestClientTests.Fast(tmp.Sub("fb"), warnings));
        var run = tracker.StartRun("exp");
        LogSteps(run, 0, 100);
        run.Flush();
        server.FailNext(7, status);
        LogSteps(run, 100, 2100);
        run.End();
        Assert.Empty(warnings);
        AssertExactly(server.History(run.RunId, "loss").Select(p => p.Step), 2100);
    }

    [Fact]
    public void StaysDownSoTheRunFallsBackLocallyWithOneWarningAndSyncMergesIt()
    {
        using var server = new FakeMlflowServer();
        using var tmp = new TempStore();
        var warnings = new List<string>();
        var fallback = tmp.Sub("mlruns");
        var options = RestClientTests.Fast(fallback, warnings) with { OutageTolerance = TimeSpan.FromMilliseconds(300) };
        using var tracker = new MlflowTracker(server.Uri, options);
        var run = tracker.StartRun("exp", "unlucky");
        run.LogParam("alpha", "0.8");
        LogSteps(run, 0, 100);
        run.Flush();
        server.Stop();
        LogSteps(run, 100, 400);
        Thread.Sleep(500);
        LogSteps(run, 400, 500);
        run.End(RunStatus.Finished); // never throws, even now

        Assert.True(run.IsFallback);
        var warning = Assert.Single(warnings);
        Assert.Contains(fallback.TrimStart('.'), warning.Replace("\\", "/"));
        Assert.Contains("scripts/sync.fsx", warning);

        var local = new FileStore(fallback);
        var localRun = Assert.Single(local.SearchRuns([local.GetExperimentByName("exp")!.ExperimentId]));
        Assert.Equal(run.RunId, localRun.Tags["research.fallback.server_run_id"]);
        Assert.Equal(RunStatus.Finished, localRun.Info.Status);
        Assert.Equal("0.8", localRun.Params["alpha"]);
        var onServer = server.History(run.RunId, "loss").Select(p => p.Step).ToList();
        var inFallback = local.GetMetricHistory(localRun.Info.RunId, "loss").Select(p => p.Step).ToList();
        AssertExactly(onServer.Concat(inFallback), 500); // each point exactly once, in order, across the two

        server.Start();
        using var client = new MlflowRestClient(server.Uri, options);
        var first = StoreSync.Sync(local, client);
        Assert.Empty(first.Problems);
        Assert.Equal(inFallback.Count * 2, first.MetricPoints);
        AssertExactly(server.History(run.RunId, "loss").Select(p => p.Step), 500);
        Assert.Equal("FINISHED", server.Runs[run.RunId].Status);
        var second = StoreSync.Sync(local, client);
        Assert.Equal((0, 0, 1, 0), (second.RunsCreated, second.RunsUpdated, second.RunsUnchanged, second.MetricPoints));
    }

    [Fact]
    public void BufferLimitStartsTheFallbackAtOnce()
    {
        using var server = new FakeMlflowServer();
        using var tmp = new TempStore();
        var warnings = new List<string>();
        var options = RestClientTests.Fast(tmp.Sub("mlruns"), warnings) with { BufferCapacity = 100 };
        using var tracker = new MlflowTracker(server.Uri, options);
        var run = tracker.StartRun("exp");
        run.Flush();
        server.Stop();
        LogSteps(run, 0, 300); // 600 items into a 100-item buffer, the outage tolerance (60 s) far away
        run.End();
        Assert.True(run.IsFallback);
        Assert.Contains("buffer is full", Assert.Single(warnings));
        var local = new FileStore(tmp.Sub("mlruns"));
        var localRun = Assert.Single(local.SearchRuns([local.GetExperimentByName("exp")!.ExperimentId]));
        AssertExactly(server.History(run.RunId, "loss").Select(p => p.Step).Concat(local.GetMetricHistory(localRun.Info.RunId, "loss").Select(p => p.Step)), 300);
    }

    [Fact]
    public void DownForTheWholeRunStartsLocallyAndSyncCreatesItOnce()
    {
        using var server = new FakeMlflowServer(start: false);
        using var tmp = new TempStore();
        var warnings = new List<string>();
        var options = RestClientTests.Fast(tmp.Sub("mlruns"), warnings) with { StartTimeout = TimeSpan.FromMilliseconds(200) };
        using var tracker = new MlflowTracker(server.Uri, options);
        var parent = tracker.StartRun("sweep", "parent");
        var child = tracker.StartChildRun(parent, "child");
        Assert.True(parent.StartedInFallback && child.StartedInFallback);
        LogSteps(child, 0, 50);
        var artifact = Path.Combine(tmp.Path, "eval.json");
        File.WriteAllText(artifact, "{\"AP\": 0.5}");
        child.LogArtifact(artifact);
        child.End();
        parent.SetNote("| run | AP |\n|---|---|\n| child | 0.5 |");
        parent.End();
        Assert.Single(warnings); // one warning for the parent; the child followed it without another

        server.Start();
        var local = new FileStore(tmp.Sub("mlruns"));
        using var client = new MlflowRestClient(server.Uri, options);
        var report = StoreSync.Sync(local, client);
        Assert.Equal(2, report.RunsCreated);
        Assert.Equal(1, report.Artifacts);
        var serverParent = server.Runs.Values.Single(r => r.RunName == "parent");
        var serverChild = server.Runs.Values.Single(r => r.RunName == "child");
        Assert.Equal(serverParent.RunId, serverChild.Tags[SystemTags.ParentRunId]); // rewritten to the server's id
        Assert.Equal(child.RunId, serverChild.Tags[StoreSync.SourceRunTag]);
        Assert.Equal(parent.RunId, serverParent.Tags[StoreSync.SourceRunTag]);
        Assert.Equal("| run | AP |\n|---|---|\n| child | 0.5 |", serverParent.Tags[SystemTags.Note]);
        AssertExactly(serverChild.Metrics["loss"].Select(p => p.Step), 50);
        Assert.Equal("FINISHED", serverChild.Status);
        Assert.False(serverChild.Tags.ContainsKey("research.fallback.server_uri"));
        var again = StoreSync.Sync(local, client);
        Assert.Equal((0, 0, 2), (again.RunsCreated, again.RunsUpdated, again.RunsUnchanged));
        Assert.Equal(2, server.Runs.Count);
    }
}
