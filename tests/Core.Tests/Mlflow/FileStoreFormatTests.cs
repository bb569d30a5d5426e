using Research.Core.Runtime;
using System.Text.RegularExpressions;
using Research.Core.Mlflow;
using Xunit;

namespace Research.Core.Tests.Mlflow;

/// <summary>The file store's output, read back as raw files and checked against MLflow's format rules (notes/mlflow-formats.md §5).</summary>
public class FileStoreFormatTests
{
    private static readonly TrackingOptions Quiet = new() { Warn = _ => { } };

    [Fact]
    public void RunFilesFollowMlflowLayoutFieldByField()
    {
        using var tmp = new TempStore();
        var root = tmp.Sub("mlruns");
        string runId, childId, expId;
        using (var tracker = new MlflowTracker(root, Quiet))
        {
            var run = tracker.StartRun("exp-a", "0.5");
            runId = run.RunId;
            expId = run.ExperimentId;
            run.LogParams(new Dictionary<string, string> { ["model.poto.alpha"] = "0.8", ["flag"] = "true", ["empty"] = "" });
            run.LogMetrics(0, new Dictionary<string, double> { ["loss"] = 0.5, ["eval/AP 50"] = 1 });
            run.LogMetric("loss", 1.0, step: 3, timestampMs: 1700000004000);
            run.SetNote("# Notes\n| a | b |");
            var child = tracker.StartChildRun(run, "child");
            childId = child.RunId;
            child.End(RunStatus.Killed);
            run.End();
        }

        // Experiment: random 18-digit id, meta.yaml with quoted strings and int times, keys sorted.
        Assert.Matches("^[1-9][0-9]{17}$", expId);
        var expMeta = File.ReadAllText(Path.Combine(root, expId, "meta.yaml"));
        Assert.Matches(new Regex(@"^artifact_location: 'file:///.+/" + expId + "'\ncreation_time: [0-9]{13}\nexperiment_id: '" + expId +
                                 @"'\nlast_update_time: [0-9]{13}\nlifecycle_stage: 'active'\nname: 'exp-a'\n$"), expMeta);
        // A new store gets the Default experiment 0, as MLflow creates it.
        Assert.Contains("name: 'Default'", File.ReadAllText(Path.Combine(root, "0", "meta.yaml")));

        // Run meta.yaml: every required key with the right YAML type.
        var runDir = Path.Combine(root, expId, runId);
        Assert.Matches("^[0-9a-f]{32}$", runId);
        var metaText = File.ReadAllText(Path.Combine(runDir, "meta.yaml"));
        Assert.Contains("run_name: '0.5'\n", metaText); // quoted: unquoted 0.5 would be read as a number
        Assert.Contains($"experiment_id: '{expId}'\n", metaText);
        Assert.Contains("status: 3\n", metaText);
        Assert.Contains("tags: []\n", metaText);
        var meta = MetaYaml.Read(metaText);
        Assert.Equal(runId, meta["run_uuid"]);
        Assert.Equal(runId, meta["run_id"]);
        Assert.Equal(expId, meta["experiment_id"]);
        Assert.Equal("0.5", meta["run_name"]);
        Assert.Equal(3L, meta["status"]);
        Assert.IsType<long>(meta["start_time"]);
        Assert.IsType<long>(meta["end_time"]);
        Assert.True((long)meta["end_time"]! >= (long)meta["start_time"]!);
        Assert.Equal("active", meta["lifecycle_stage"]);
        Assert.Equal(Environment.UserName, meta["user_id"]);
        Assert.Equal(4L, meta["source_type"]);
        Assert.Equal(new Uri(Path.Combine(runDir, "artifacts")).AbsoluteUri, meta["artifact_uri"]);

        // Params and tags: the value verbatim, no trailing newline.
        Assert.Equal("0.8"u8.ToArray(), File.ReadAllBytes(Path.Combine(runDir, "params", "model.poto.alpha")));
        Assert.Equal("true", File.ReadAllText(Path.Combine(runDir, "params", "flag")));
        Assert.Equal(0, new FileInfo(Path.Combine(runDir, "params", "empty")).Length);
        Assert.Equal("0.5", File.ReadAllText(Path.Combine(runDir, "tags", "mlflow.runName")));
        Assert.Equal("LOCAL", File.ReadAllText(Path.Combine(runDir, "tags", "mlflow.source.type")));
        Assert.Equal(Environment.UserName, File.ReadAllText(Path.Combine(runDir, "tags", "mlflow.user")));
        Assert.Equal("# Notes\n| a | b |", File.ReadAllText(Path.Combine(runDir, "tags", "mlflow.note.content")));
        Assert.Matches("^[0-9a-f]{40}$", File.ReadAllText(Path.Combine(runDir, "tags", "mlflow.source.git.commit"))); // tests run inside the repo

        // Metrics: "<ms> <value> <step>" lines, Python float text; a key with '/' is a sub-folder.
        var lines = File.ReadAllText(Path.Combine(runDir, "metrics", "loss")).Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Equal("", lines[2]); // the ended run's file ends with "\n", as MLflow writes it
        Assert.Matches("^[0-9]{13} 0.5 0$", lines[0]);
        Assert.Equal("1700000004000 1.0 3", lines[1]);
        Assert.Matches("^[0-9]{13} 1.0 0\n$", File.ReadAllText(Path.Combine(runDir, "metrics", "eval", "AP 50")));

        // Nested run: tag mlflow.parentRunId, status KILLED = 5.
        var childDir = Path.Combine(root, expId, childId);
        Assert.Equal(runId, File.ReadAllText(Path.Combine(childDir, "tags", "mlflow.parentRunId")));
        Assert.Equal(5L, MetaYaml.Read(File.ReadAllText(Path.Combine(childDir, "meta.yaml")))["status"]);

        // No temporary file left anywhere.
        Assert.Empty(Directory.EnumerateFiles(root, AtomicFile.TempPrefix + "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void ReaderReturnsWhatWasWritten()
    {
        using var tmp = new TempStore();
        using var tracker = new MlflowTracker(tmp.Sub("mlruns"), Quiet);
        var run = tracker.StartRun("exp", "r1");
        run.LogParam("a", "1");
        run.LogMetric("loss", 0.9, 0, 1000);
        run.LogMetric("loss", 0.1, 2, 3000);
        run.LogMetric("loss", 0.5, 1, 5000); // latest = max step, not the last written
        run.LogMetric("nan", double.NaN, 0, 1000);
        run.End(RunStatus.Failed);

        var record = Assert.Single(tracker.SearchRuns("exp"));
        Assert.Equal("r1", record.Name);
        Assert.Equal(RunStatus.Failed, record.Info.Status);
        Assert.Equal("1", record.Params["a"]);
        Assert.Equal(new MetricPoint("loss", 0.1, 3000, 2), record.Metrics["loss"]);
        Assert.True(double.IsNaN(record.Metrics["nan"].Value));
        Assert.Equal([0.9, 0.1, 0.5], tracker.GetMetricHistory(run.RunId, "loss").Select(p => p.Value));
        Assert.Equal(["0", "exp"], tracker.ListExperiments().Select(e => e.ExperimentId == "0" ? "0" : e.Name));
    }

    [Fact]
    public void ConcurrentWritersShareOneExperimentAndKeepTheirRunsApart()
    {
        using var tmp = new TempStore();
        var root = tmp.Sub("mlruns");
        var runIds = new string[6];
        Parallel.For(0, 6, i =>
        {
            using var tracker = new MlflowTracker(root, Quiet); // a store instance per writer, as separate processes would have
            var run = tracker.StartRun("shared", $"w{i}");
            runIds[i] = run.RunId;
            for (var s = 0; s < 200; s++) run.LogMetric("m", i * 1000 + s, s, 1000 + s);
            run.End();
        });
        using var reader = new MlflowTracker(root, Quiet);
        Assert.Single(reader.ListExperiments(), e => e.Name == "shared");
        var runs = reader.SearchRuns("shared");
        Assert.Equal(6, runs.Count);
        for (var i = 0; i < 6; i++)
            Assert.Equal(Enumerable.Range(0, 200).Select(s => (double)(i * 1000 + s)), reader.GetMetricHistory(runIds[i], "m").Select(p => p.Value));
    }

    [Fact]
    public void DisposingAnUnendedRunMarksItFailed()
    {
        using var tmp = new TempStore();
        using var tracker = new MlflowTracker(tmp.Sub("mlruns"), Quiet);
        string id;
        using (var run = tracker.StartRun("exp")) id = run.RunId;
        var record = tracker.Store.GetRun(id)!;
        Assert.Equal(RunStatus.Failed, record.Info.Status);
        Assert.NotNull(record.Info.EndTime);
        Assert.Matches("^[a-z]+-[a-z]+-[0-9]+$", record.Name); // a generated name
    }

    [Fact]
    public void ReadsAStoreWrittenByTheMlflowServer()
    {
        // The exact text the 2.10.2 server writes (notes §5), plus a metric file ending in "\n".
        using var tmp = new TempStore();
        var exp = Directory.CreateDirectory(Path.Combine(tmp.Path, "792425622871500246")).FullName;
        File.WriteAllText(Path.Combine(exp, "meta.yaml"),
            "artifact_location: mlflow-artifacts:/792425622871500246\ncreation_time: 1795553099271\nexperiment_id: '792425622871500246'\n" +
            "last_update_time: 1795553099271\nlifecycle_stage: active\nname: exp-a\n");
        var run = Directory.CreateDirectory(Path.Combine(exp, "600a5108ccbf427f802805810316acf9")).FullName;
        File.WriteAllText(Path.Combine(run, "meta.yaml"),
            "artifact_uri: mlflow-artifacts:/792425622871500246/600a5108ccbf427f802805810316acf9/artifacts\nend_time: null\nentry_point_name: ''\n" +
            "experiment_id: '792425622871500246'\nlifecycle_stage: active\nrun_id: 600a5108ccbf427f802805810316acf9\nrun_name: parent-run\n" +
            "run_uuid: 600a5108ccbf427f802805810316acf9\nsource_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: 1700000000000\n" +
            "status: 1\ntags: []\nuser_id: ''\n");
        Directory.CreateDirectory(Path.Combine(run, "metrics"));
        File.WriteAllText(Path.Combine(run, "metrics", "loss"), "1700000001000 0.5 0\n1700000004000 1.0 3\n");
        var store = new FileStore(tmp.Path);
        var record = store.GetRun("600a5108ccbf427f802805810316acf9")!;
        Assert.Equal("parent-run", record.Name);
        Assert.Null(record.Info.EndTime);
        Assert.Equal(new MetricPoint("loss", 1.0, 1700000004000, 3), record.Metrics["loss"]);
        Assert.Equal("exp-a", Assert.Single(store.ListExperiments()).Name);

        // Appending to the server's "\n"-terminated file keeps it well formed.
        store.LogBatch(record.Info.RunId, [new MetricPoint("loss", 0.25, 1700000005000, 4)], [], []);
        store.UpdateRun(record.Info.RunId, RunStatus.Finished, 1700000009000);
        store.Dispose();
        Assert.Equal("1700000001000 0.5 0\n1700000004000 1.0 3\n1700000005000 0.25 4\n", File.ReadAllText(Path.Combine(run, "metrics", "loss")));
        Assert.Equal(1700000009000, store.GetRun(record.Info.RunId)!.Info.EndTime);
    }

    [Theory]
    [InlineData("status: '3'", "status")]
    [InlineData("run_name: 0.5", "run_name")]
    [InlineData("start_time: '1700000000000'", "start_time")]
    [InlineData("user_id: 1000", "user_id")]
    [InlineData("end_time: soon", "end_time")]
    public void ReaderRejectsValuesOfTheWrongYamlTypeNamingTheFile(string badLine, string key)
    {
        using var tmp = new TempStore();
        var store = new FileStore(tmp.Path);
        var expId = store.GetOrCreateExperiment("e");
        var info = store.CreateRun(expId, "r", 1700000000000, new Dictionary<string, string>());
        var metaPath = Path.Combine(tmp.Path, expId, info.RunId, "meta.yaml");
        var lines = File.ReadAllLines(metaPath).Select(l => l.StartsWith(key + ":") ? badLine : l);
        File.WriteAllText(metaPath, string.Join("\n", lines) + "\n");
        var e = Assert.Throws<TrackingException>(() => store.SearchRuns([expId]));
        Assert.Contains(metaPath, e.Message);
        Assert.Contains(key, e.Message);
    }
}
