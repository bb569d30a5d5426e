using Research.Core.Mlflow;

namespace Research.Core.Tests;

/// <summary>
/// Entry point of this test assembly when a test starts it as a child process (<c>dotnet Research.Core.Tests.dll MODE ...</c>),
/// to be killed or interrupted while it writes a tracking store. Under the test runner it is never called.
/// </summary>
public static class ChildProcessProgram
{
    public static int Main(string[] args)
    {
        if (args.Length >= 2 && args[0] == "tracking-writer") return TrackingWriter(args[1], int.Parse(args[2]));
        if (args.Length >= 2 && args[0] == "tracking-interrupt") return TrackingInterrupt(args[1]);
        Console.Error.WriteLine("usage: tracking-writer ROOT SEED | tracking-interrupt ROOT");
        return 2;
    }

    /// <summary>Writes runs (params, tags, metrics, artifacts, status changes) into ROOT forever, as fast as it can.</summary>
    private static int TrackingWriter(string root, int seed)
    {
        var random = new Random(seed);
        var options = new TrackingOptions { Warn = _ => { } };
        using var tracker = new MlflowTracker(root, options);
        var artifact = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(root))!, $"tracking-child-{Environment.ProcessId}.txt"); // beside the store: deleted with it
        File.WriteAllText(artifact, new string('a', 10_000));
        var announced = false;
        for (var r = 0; ; r++)
        {
            var run = tracker.StartRun(r % 2 == 0 ? "race" : "race-b", $"child-{seed}-{r}");
            if (!announced) { Console.WriteLine("ready"); Console.Out.Flush(); announced = true; }
            run.LogParams(Enumerable.Range(0, 20).ToDictionary(i => $"p.{i}", i => (i * seed).ToString()));
            for (var step = 0; step < 300; step++)
            {
                run.LogMetrics(step, new Dictionary<string, double>
                {
                    ["loss"] = random.NextDouble(),
                    ["loss_cls"] = random.NextDouble() * 1e-7,
                    ["lr/group 0"] = step * 0.01,
                });
                if (step % 50 == 0) run.SetTag("progress", step.ToString());
                if (step % 100 == 0) run.LogArtifact(artifact, $"files/{step}");
            }
            run.End(r % 3 == 0 ? RunStatus.Failed : RunStatus.Finished);
        }
    }

    /// <summary>Starts a run that ends KILLED on SIGINT/SIGTERM, then logs until the signal arrives.</summary>
    private static int TrackingInterrupt(string root)
    {
        using var tracker = new MlflowTracker(root, new TrackingOptions { Warn = _ => { } });
        var run = tracker.StartRun("interrupt", "to-be-killed");
        using var guard = run.EndOnInterrupt();
        Console.WriteLine("ready " + run.RunId);
        Console.Out.Flush();
        for (long step = 0; ; step++)
        {
            if (run.EndStatus is null) run.LogMetric("loss", 1.0 / (step + 1), step);
            Thread.Sleep(5);
        }
    }
}
