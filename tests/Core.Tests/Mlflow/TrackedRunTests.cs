using Research.Core.Mlflow;
using Xunit;

namespace Research.Core.Tests.Mlflow;

/// <summary>Run-level behaviour on the file store: long params and notes, artifacts, flattening, the sync command's arguments.</summary>
public class TrackedRunTests
{
    private static readonly TrackingOptions Quiet = new() { Warn = _ => { } };

    [Fact]
    public void LongParamValuesMoveToAnArtifact()
    {
        using var tmp = new TempStore();
        using var tracker = new MlflowTracker(tmp.Sub("mlruns"), Quiet);
        var run = tracker.StartRun("exp");
        var longValue = new string('x', 7000);
        run.LogParams(new Dictionary<string, string> { ["data.classes"] = longValue, ["short"] = "1" });
        run.LogParams(new Dictionary<string, string> { ["data.classes"] = longValue }); // same value again: accepted
        run.SetNote(new string('n', 6000));
        run.End();
        var fs = (FileStore)tracker.Store;
        var record = fs.GetRun(run.RunId)!;
        Assert.Equal("(7000 characters: see artifact long_params/data.classes.txt)", record.Params["data.classes"]);
        Assert.Equal(longValue, File.ReadAllText(fs.ArtifactPath(run.RunId, "long_params/data.classes.txt")));
        Assert.Equal(MlflowNames.MaxTagValueLength, record.Tags[SystemTags.Note].Length);
        Assert.EndsWith("the full note is the artifact note.md)", record.Tags[SystemTags.Note]);
        Assert.Equal(new string('n', 6000), File.ReadAllText(fs.ArtifactPath(run.RunId, "note.md")));
    }

    [Fact]
    public void ArtifactsKeepFolderStructureAndMissingSourcesAreNamed()
    {
        using var tmp = new TempStore();
        var src = Directory.CreateDirectory(tmp.Sub("out")).FullName;
        Directory.CreateDirectory(Path.Combine(src, "vis"));
        File.WriteAllBytes(Path.Combine(src, "vis", "img.png"), [137, 80, 78, 71]);
        File.WriteAllText(Path.Combine(src, "eval.json"), "{}");
        using var tracker = new MlflowTracker(tmp.Sub("mlruns"), Quiet);
        var run = tracker.StartRun("exp");
        run.LogArtifact(src);
        run.LogArtifact(Path.Combine(src, "eval.json"), "final");
        var e = Assert.Throws<TrackingException>(() => run.LogArtifact(tmp.Sub("nope.txt")));
        Assert.Contains("nope.txt", e.Message);
        run.End();
        Assert.Equal(["eval.json", "final", "vis"], tracker.Store.ListArtifacts(run.RunId).Select(a => a.Path));
        Assert.Equal(["vis/img.png"], tracker.Store.ListArtifacts(run.RunId, "vis").Select(a => a.Path));
        Assert.Equal([137, 80, 78, 71], tracker.Store.DownloadArtifact(run.Info, "vis/img.png"));
        Assert.Equal("{}", File.ReadAllText(((FileStore)tracker.Store).ArtifactPath(run.RunId, "final/eval.json")));
    }

    [Fact]
    public void LoggingAfterEndIsIgnoredWithAWarning()
    {
        using var tmp = new TempStore();
        using var tracker = new MlflowTracker(tmp.Sub("mlruns"), Quiet);
        var run = tracker.StartRun("exp");
        run.End(RunStatus.Killed);
        run.End(RunStatus.Finished); // no effect
        run.LogMetric("late", 1);
        Assert.Equal(RunStatus.Killed, tracker.Store.GetRun(run.RunId)!.Info.Status);
        Assert.Empty(tracker.Store.GetMetricHistory(run.RunId, "late"));
        Assert.Contains("has ended (KILLED)", Assert.Single(run.Warnings));
    }

    [Fact]
    public void AKeyCannotBeBothANameAndAFolderPrefix()
    {
        using var tmp = new TempStore();
        using var tracker = new MlflowTracker(tmp.Sub("mlruns"), Quiet);
        var run = tracker.StartRun("exp");
        run.LogMetric("loss", 1);
        run.LogMetric("eval/AP", 1);
        var e = Assert.Throws<TrackingException>(() => run.LogMetric("loss/cls", 1));
        Assert.Contains("'loss/cls' clashes with the metric key 'loss'", e.Message);
        Assert.Contains("'eval' clashes with the metric key 'eval/AP'", Assert.Throws<TrackingException>(() => run.LogMetric("eval", 1)).Message);
        run.LogParam("loss", "x"); // params are a separate namespace
        run.End();
        Assert.Empty(run.Warnings);
    }

    [Fact]
    public void ParentNoteTablesTheChildren()
    {
        using var tmp = new TempStore();
        using var tracker = new MlflowTracker(tmp.Sub("mlruns"), Quiet);
        var parent = tracker.StartRun("sweep", "alpha sweep");
        foreach (var (alpha, ap) in new[] { ("0.2", 0.31234), ("0.8", 0.4) })
        {
            var child = tracker.StartChildRun(parent, $"alpha={alpha}");
            child.LogParam("model.poto.alpha", alpha);
            child.LogMetric("AP", ap, 100);
            child.End();
        }
        var children = tracker.ChildRuns(parent.ExperimentId, parent.RunId);
        var note = RunNotes.ChildrenTable(children, ["model.poto.alpha"], ["AP", "AP50"]);
        parent.SetNote(note);
        parent.End();
        var lines = note.Split('\n');
        Assert.Equal("| run | model.poto.alpha | AP | AP50 |", lines[0]);
        Assert.Equal("|---|---|---:|---:|", lines[1]);
        Assert.Equal($"| [alpha=0.2](#/experiments/{parent.ExperimentId}/runs/{children[0].Info.RunId}) | 0.2 | 0.3123 | – |", lines[2]);
        Assert.Equal($"| [alpha=0.8](#/experiments/{parent.ExperimentId}/runs/{children[1].Info.RunId}) | 0.8 | 0.4 | – |", lines[3]);
        Assert.Equal(note, tracker.Store.GetRun(parent.RunId)!.Tags[SystemTags.Note]);
    }

    [Fact]
    public void FlattensNestedConfigToDottedKeys()
    {
        var config = new Dictionary<string, object?>
        {
            ["model"] = new Dictionary<string, object?>
            {
                ["poto"] = new Dictionary<string, object?> { ["alpha"] = 0.8, ["aux_topk"] = 9 },
                ["filter"] = new Dictionary<string, object?> { ["enabled"] = true },
            },
            ["input"] = new Dictionary<string, object?> { ["min_size_train"] = new List<object?> { 640, 672 } },
            ["name"] = "quickstart",
            ["solver"] = new Dictionary<string, object?> { ["weight_decay"] = 1e-4 },
        };
        Assert.Equal(new Dictionary<string, string>
        {
            ["input.min_size_train"] = "[640, 672]",
            ["model.filter.enabled"] = "true",
            ["model.poto.alpha"] = "0.8",
            ["model.poto.aux_topk"] = "9",
            ["name"] = "quickstart",
            ["solver.weight_decay"] = "0.0001",
        }, ParamFlattener.Flatten(config));
    }

    [Fact]
    public void TrackingUriResolutionPrefersTheEnvironment()
    {
        var saved = Environment.GetEnvironmentVariable("MLFLOW_TRACKING_URI");
        try
        {
            Environment.SetEnvironmentVariable("MLFLOW_TRACKING_URI", null);
            Assert.Equal("./mlruns", MlflowTracker.ResolveUri(null));
            Assert.Equal("http://h:5000", MlflowTracker.ResolveUri("http://h:5000"));
            Environment.SetEnvironmentVariable("MLFLOW_TRACKING_URI", "https://mlflow.example");
            Assert.Equal("https://mlflow.example", MlflowTracker.ResolveUri("./mlruns"));
            Assert.IsType<MlflowRestClient>(MlflowTracker.OpenStore("https://mlflow.example"));
            Assert.IsType<FileStore>(MlflowTracker.OpenStore("file:///tmp/x"));
        }
        finally { Environment.SetEnvironmentVariable("MLFLOW_TRACKING_URI", saved); }
    }

    [Fact]
    public void AnUnusableTrackingUriIsRefusedNamingWhereItCameFrom()
    {
        // In this class, so that it never runs alongside the other test that sets the variable.
        var saved = Environment.GetEnvironmentVariable("MLFLOW_TRACKING_URI");
        try
        {
            Environment.SetEnvironmentVariable("MLFLOW_TRACKING_URI", "s3://bucket/mlruns");
            var env = Assert.Throws<ArgumentException>(() => MlflowTracker.FromEnvironment("./mlruns"));
            Assert.Equal("the environment variable MLFLOW_TRACKING_URI = 's3://bucket/mlruns': the s3: scheme is not supported" +
                         Environment.NewLine + "  " + TrackingUri.Accepted, env.Message);
            Environment.SetEnvironmentVariable("MLFLOW_TRACKING_URI", null);
            var configured = Assert.Throws<ArgumentException>(() => MlflowTracker.ResolveUri("databricks"));
            Assert.StartsWith("tracking.uri = 'databricks': MLflow reads 'databricks' as a Databricks workspace", configured.Message);
            Assert.Equal("mlruns", MlflowTracker.ResolveUri("mlruns"));
            Assert.Equal("/abs/path", MlflowTracker.ResolveUri("/abs/path"));
        }
        finally { Environment.SetEnvironmentVariable("MLFLOW_TRACKING_URI", saved); }
    }
}
