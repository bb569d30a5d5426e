using Research.Core.Mlflow;
using Xunit;

namespace Research.Core.Tests.Mlflow;

/// <summary>
/// <see cref="MlflowTracker.ResumeRun"/>: a stopped run reopened to continue it, in the file store and on a
/// server — status back to RUNNING, params kept, no metric step written twice, FINISHED at the end.
/// </summary>
public class ResumeRunTests
{
    // The stopped attempt: loss at steps 1..10 (values 1/step), an evaluation at step 10, ended KILLED.
    private static string StoppedAttempt(MlflowTracker tracker)
    {
        var run = tracker.StartRun("resume", "train");
        run.LogParams(new Dictionary<string, string> { ["solver.base_lr"] = "0.02", ["resume"] = "false" });
        for (var step = 1; step <= 10; step++) run.LogMetrics(step, new Dictionary<string, double> { ["loss"] = 1.0 / step });
        run.LogMetric("bbox/AP", 0.25, 10);
        run.End(RunStatus.Killed);
        return run.RunId;
    }

    // The resumed attempt from a checkpoint at step 5: steps 6..15 again (values 100 + step, to tell them apart).
    private static TrackedRun ContinueFromStep5(MlflowTracker tracker, string runId)
    {
        var run = tracker.ResumeRun(runId);
        Assert.True(run.IsResumed);
        Assert.Equal(runId, run.RunId);
        Assert.Equal("resume", run.ExperimentName);
        Assert.Equal("0.02", run.LoggedParams["solver.base_lr"]);
        run.LogParams(new Dictionary<string, string> { ["solver.base_lr"] = "0.02", ["model.new_key"] = "x" }); // same value: no-op
        Assert.Throws<TrackingException>(() => run.LogParam("solver.base_lr", "0.01"));
        for (var step = 6; step <= 15; step++) run.LogMetrics(step, new Dictionary<string, double> { ["loss"] = 100 + step });
        run.LogMetric("bbox/AP", 0.5, 10); // the evaluation at 10 is in the run already
        run.LogMetric("bbox/AP", 0.75, 20);
        run.LogMetric("lr", 0.01, 6); // a key the stopped attempt never logged: written
        Assert.Equal(5 + 1, run.SkippedMetricPoints);
        return run;
    }

    private static void AssertContinued(ITrackingReader store, string runId)
    {
        var r = store.GetRun(runId)!;
        Assert.Equal(RunStatus.Finished, r.Info.Status);
        Assert.NotNull(r.Info.EndTime);
        var loss = store.GetMetricHistory(runId, "loss");
        Assert.Equal(Enumerable.Range(1, 15).Select(s => (long)s), loss.Select(p => p.Step));
        Assert.Equal(Enumerable.Range(1, 10).Select(s => 1.0 / s).Concat(Enumerable.Range(11, 5).Select(s => 100.0 + s)), loss.Select(p => p.Value));
        Assert.Equal([(10L, 0.25), (20L, 0.75)], store.GetMetricHistory(runId, "bbox/AP").Select(p => (p.Step, p.Value)));
        Assert.Equal([6L], store.GetMetricHistory(runId, "lr").Select(p => p.Step));
        Assert.Equal("x", r.Params["model.new_key"]);
        Assert.Equal("0.02", r.Params["solver.base_lr"]);
    }

    [Fact]
    public void FileStoreRunIsReopenedAndContinuedWithoutRepeatedSteps()
    {
        using var tmp = new TempStore();
        using var tracker = new MlflowTracker(tmp.Sub("mlruns"), new TrackingOptions { Warn = _ => { } });
        var runId = StoppedAttempt(tracker);
        var run = ContinueFromStep5(tracker, runId);
        var during = tracker.Store.GetRun(runId)!;
        Assert.Equal(RunStatus.Running, during.Info.Status);
        Assert.Null(during.Info.EndTime);
        run.End();
        using var reader = new FileStore(tmp.Sub("mlruns"));
        AssertContinued(reader, runId);
        Assert.Single(reader.SearchRuns([during.Info.ExperimentId]));
    }

    [Fact]
    public void ServerRunIsReopenedAndContinuedWithoutRepeatedSteps()
    {
        using var server = new FakeMlflowServer();
        using var tmp = new TempStore();
        var warnings = new List<string>();
        using var tracker = new MlflowTracker(server.Uri, RestClientTests.Fast(tmp.Sub("fallback"), warnings));
        var runId = StoppedAttempt(tracker);
        var run = ContinueFromStep5(tracker, runId);
        Assert.True(run.Flush(TimeSpan.FromSeconds(30)));
        Assert.Equal("RUNNING", server.Runs[runId].Status);
        run.End();
        Assert.Empty(warnings);
        AssertContinued(tracker.Store, runId);
        Assert.Single(server.Runs);
    }

    [Fact]
    public void MissingOrDeletedRunIsRefusedNamingIt()
    {
        using var tmp = new TempStore();
        using var tracker = new MlflowTracker(tmp.Sub("mlruns"), new TrackingOptions { Warn = _ => { } });
        var runId = StoppedAttempt(tracker);
        var unknown = new string('a', 32);
        Assert.Contains($"run {unknown} does not exist", Assert.Throws<TrackingException>(() => tracker.ResumeRun(unknown)).Message);

        var meta = Path.Combine(((FileStore)tracker.Store).RunFolders(runId).RunDirectory, "meta.yaml");
        File.WriteAllText(meta, File.ReadAllText(meta).Replace("lifecycle_stage: 'active'", "lifecycle_stage: 'deleted'"));
        Assert.Contains("is deleted", Assert.Throws<TrackingException>(() => tracker.ResumeRun(runId)).Message);

        using var server = new FakeMlflowServer();
        using var remote = new MlflowTracker(server.Uri, RestClientTests.Fast(tmp.Sub("fallback")));
        Assert.Contains("does not exist", Assert.Throws<TrackingException>(() => remote.ResumeRun(unknown)).Message);
    }
}
