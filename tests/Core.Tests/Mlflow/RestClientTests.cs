using System.Text;
using Research.Core.Mlflow;
using Xunit;

namespace Research.Core.Tests.Mlflow;

/// <summary>The REST client and a server-backed <see cref="TrackedRun"/> against the in-process MLflow server.</summary>
public class RestClientTests
{
    internal static TrackingOptions Fast(string fallback, List<string>? warnings = null) => new()
    {
        Username = null, Password = null, Token = null,
        RequestAttempts = 2,
        InitialBackoff = TimeSpan.FromMilliseconds(5),
        MaxBackoff = TimeSpan.FromMilliseconds(40),
        RequestTimeout = TimeSpan.FromSeconds(10),
        StartTimeout = TimeSpan.FromSeconds(20),
        OutageTolerance = TimeSpan.FromSeconds(60),
        EndFlushTimeout = TimeSpan.FromSeconds(30),
        FallbackStore = fallback,
        Warn = m => { if (warnings is not null) lock (warnings) warnings.Add(m); },
    };

    [Fact]
    public void RunArrivesCompleteWithBatchesWithinLimits()
    {
        using var server = new FakeMlflowServer();
        using var tmp = new TempStore();
        var warnings = new List<string>();
        using var tracker = new MlflowTracker(server.Uri, Fast(tmp.Sub("fallback"), warnings));
        var run = tracker.StartRun("exp-a", "r1", tags: new Dictionary<string, string> { ["team"] = "det" });
        var parameters = Enumerable.Range(0, 250).ToDictionary(i => $"cfg.p{i:D3}", i => i.ToString());
        run.LogParams(parameters); // 3 batches: the server refuses more than 100 params in one
        for (var step = 0; step < 1200; step++)
            run.LogMetrics(step, new Dictionary<string, double> { ["loss"] = 1.0 / (step + 1), ["lr"] = step == 5 ? double.NaN : 0.01 });
        var artifactDir = Directory.CreateDirectory(tmp.Sub("art")).FullName;
        File.WriteAllText(Path.Combine(artifactDir, "config.yaml"), "a: 1");
        Directory.CreateDirectory(Path.Combine(artifactDir, "eval"));
        File.WriteAllText(Path.Combine(artifactDir, "eval", "coco.json"), "{}");
        run.LogArtifact(artifactDir, "outputs");
        run.LogText("# resolved", "config/resolved.yaml");
        run.End();

        Assert.Empty(warnings);
        Assert.False(run.IsFallback);
        var s = server.Runs[run.RunId];
        Assert.Equal("FINISHED", s.Status);
        Assert.NotNull(s.EndTime);
        Assert.Equal("r1", s.RunName);
        Assert.Equal("det", s.Tags["team"]);
        Assert.Equal("LOCAL", s.Tags[SystemTags.SourceType]);
        Assert.Equal(250, s.Params.Count);
        Assert.Equal(Enumerable.Range(0, 1200).Select(i => (1.0 / (i + 1), (long)i)), s.Metrics["loss"].Select(p => (p.Value, p.Step)));
        Assert.True(double.IsNaN(s.Metrics["lr"][5].Value));
        var root = $"{s.ExperimentId}/{run.RunId}/artifacts";
        Assert.Equal("a: 1", Encoding.UTF8.GetString(server.Artifacts[$"{root}/outputs/config.yaml"]));
        Assert.Equal("{}", Encoding.UTF8.GetString(server.Artifacts[$"{root}/outputs/eval/coco.json"]));
        Assert.Equal("# resolved", Encoding.UTF8.GetString(server.Artifacts[$"{root}/config/resolved.yaml"]));

        // Reading side, through the server.
        var record = Assert.Single(tracker.SearchRuns("exp-a"));
        Assert.Equal(RunStatus.Finished, record.Info.Status);
        Assert.Equal("0.01", record.Params["cfg.p001"] == "1" ? "0.01" : "?");
        Assert.Equal(1199, record.Metrics["loss"].Step);
        Assert.Equal(1200, tracker.GetMetricHistory(run.RunId, "loss").Count);
        Assert.Equal(["outputs/config.yaml", "outputs/eval"], tracker.Store.ListArtifacts(run.RunId, "outputs").Select(a => a.Path));
        Assert.Equal("{}", Encoding.UTF8.GetString(tracker.Store.DownloadArtifact(record.Info, "outputs/eval/coco.json")));
    }

    [Fact]
    public void NestedRunsCarryTheParentTagAndAreFoundAsChildren()
    {
        using var server = new FakeMlflowServer();
        using var tmp = new TempStore();
        using var tracker = new MlflowTracker(server.Uri, Fast(tmp.Sub("fb")));
        var parent = tracker.StartRun("sweep", "alpha-sweep");
        var a = tracker.StartChildRun(parent, "alpha=0.2");
        var b = tracker.StartChildRun(parent, "alpha=0.8");
        a.End(); b.End(); parent.End();
        Assert.Equal(parent.RunId, server.Runs[a.RunId].Tags[SystemTags.ParentRunId]);
        Assert.Equal([a.RunId, b.RunId], tracker.ChildRuns(parent.ExperimentId, parent.RunId).Select(r => r.Info.RunId));
    }

    [Fact]
    public void InvalidKeysFailBeforeAnythingIsSent()
    {
        using var server = new FakeMlflowServer();
        using var tmp = new TempStore();
        using var tracker = new MlflowTracker(server.Uri, Fast(tmp.Sub("fb")));
        var run = tracker.StartRun("exp");
        var before = server.RequestCount;
        var e = Assert.Throws<TrackingException>(() => run.LogMetrics(1, new Dictionary<string, double> { ["ok"] = 1, ["bad key!"] = 2 }));
        Assert.Contains("'bad key!'", e.Message);
        Assert.Throws<TrackingException>(() => run.SetTag("../evil", "x"));
        Assert.Throws<TrackingException>(() => run.LogArtifact(tmp.Path, "../outside"));
        run.LogParam("alpha", "0.5");
        var conflict = Assert.Throws<TrackingException>(() => run.LogParam("alpha", "0.6"));
        Assert.Contains("'alpha'", conflict.Message);
        Assert.Contains("'0.5'", conflict.Message);
        Assert.Contains("'0.6'", conflict.Message);
        run.LogParam("alpha", "0.5"); // same value again: fine
        run.End();
        Assert.Empty(server.Runs[run.RunId].Metrics);
        Assert.Equal("0.5", server.Runs[run.RunId].Params["alpha"]);
        Assert.True(server.RequestCount - before <= 2); // the param and the end, nothing invalid
    }

    [Fact]
    public void ValidationErrorsCarryMlflowsMessageAndAreNotRetried()
    {
        using var server = new FakeMlflowServer();
        using var client = new MlflowRestClient(server.Uri, Fast("unused"));
        var expId = client.GetOrCreateExperiment("e");
        Assert.Equal(expId, client.GetOrCreateExperiment("e"));
        var run = client.CreateRun(expId, "r", 1, new Dictionary<string, string>());
        client.LogBatch(run.RunId, [], [new("alpha", "0.8")], []);

        var before = server.RequestCount;
        var e = Assert.Throws<MlflowApiException>(() => client.LogBatch(run.RunId, [], [new("alpha", "0.7")], []));
        Assert.Equal(400, e.HttpStatus);
        Assert.Equal("INVALID_PARAMETER_VALUE", e.ErrorCode);
        Assert.StartsWith("Changing param values is not allowed.", e.ServerMessage);
        Assert.Equal(before + 1, server.RequestCount);

        var missing = Assert.Throws<MlflowApiException>(() => client.CreateRun("999", null, 1, new Dictionary<string, string>()));
        Assert.Equal("RESOURCE_DOES_NOT_EXIST", missing.ErrorCode);
        Assert.Equal("Could not find experiment with ID 999", missing.ServerMessage);
        Assert.Null(client.GetRun("deadbeef"));
        Assert.Empty(client.GetMetricHistory(run.RunId, "never-logged"));
    }

    [Fact]
    public void HtmlAndServiceErrorsAreRetriedThenReported()
    {
        using var server = new FakeMlflowServer();
        using var client = new MlflowRestClient(server.Uri, Fast("unused") with { RequestAttempts = 3 });
        server.FailNext(2, 500); // HTML error pages, not JSON
        Assert.NotNull(client.GetOrCreateExperiment("e"));
        server.FailNext(5, 503);
        var e = Assert.Throws<TrackingUnavailableException>(() => client.ListExperiments());
        Assert.Contains("after 3 attempts", e.Message);
        Assert.Contains("503", e.Message);
    }

    [Fact]
    public void CredentialsAreSentAndNeverShown()
    {
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:s3cret"));
        using var server = new FakeMlflowServer(requiredAuthorization: expected);
        using (var client = new MlflowRestClient($"http://alice:s3cret@127.0.0.1:{server.Port}", Fast("unused")))
        {
            Assert.DoesNotContain("s3cret", client.Uri);
            Assert.NotNull(client.GetOrCreateExperiment("e"));
        }
        using (var client = new MlflowRestClient(server.Uri, Fast("unused") with { Username = "alice", Password = "s3cret" }))
            Assert.NotNull(client.GetExperimentByName("e"));
        using (var client = new MlflowRestClient(server.Uri, Fast("unused") with { Username = "alice", Password = "wrong" }))
        {
            var e = Assert.Throws<MlflowApiException>(() => client.GetExperimentByName("e"));
            Assert.Equal(401, e.HttpStatus);
            Assert.DoesNotContain("wrong", e.Message);
        }
        using (var client = new MlflowRestClient(server.Uri, Fast("unused") with { Token = "tok123" }))
            Assert.Throws<MlflowApiException>(() => client.GetExperimentByName("e"));
        Assert.Contains("Bearer tok123", server.AuthorizationHeaders);
    }
}
