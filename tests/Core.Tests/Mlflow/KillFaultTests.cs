using Research.Core.Runtime;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Research.Core.Mlflow;
using Xunit;

namespace Research.Core.Tests.Mlflow;

/// <summary>
/// A writer killed at any point leaves a store that the strict reader (MLflow's rules) accepts in full:
/// real child processes SIGKILLed at random moments, and a simulated kill between every temp write and its rename.
/// Interrupts (SIGINT, SIGTERM) end the run as KILLED.
/// </summary>
public class KillFaultTests
{
#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code in this project
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
#pragma warning restore SYSLIB1054

    private static readonly bool ResetsSignals = EnvResetsSignals();

    private static bool EnvResetsSignals()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("env", ["--default-signal=INT", "true"]) { RedirectStandardError = true, UseShellExecute = false });
            p!.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception) { return false; }
    }

    private static Process StartChild(params string[] args)
    {
        var dll = typeof(ChildProcessProgram).Assembly.Location;
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        // A process started with SIGINT ignored (a background job of a non-interactive shell, as CI may run the
        // suite) passes that on, and .NET then never sees SIGINT: start the child with the default disposition
        // (coreutils env execs, so the pid stays the child's).
        var psi = new ProcessStartInfo(ResetsSignals ? "env" : dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (ResetsSignals)
        {
            psi.ArgumentList.Add("--default-signal=INT");
            psi.ArgumentList.Add(dotnet);
        }
        psi.ArgumentList.Add("exec");
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    private static string WaitForReady(Process p)
    {
        var line = p.StandardOutput.ReadLineAsync();
        if (!line.Wait(TimeSpan.FromSeconds(60)) || line.Result is null || !line.Result.StartsWith("ready"))
            throw new Xunit.Sdk.XunitException($"child did not start: {line.Result} {p.StandardError.ReadToEnd()}");
        return line.Result;
    }

    /// <summary>Reads everything: experiments, runs with params/tags/latest metrics, every metric history.</summary>
    internal static int ReadWholeStore(string root)
    {
        var store = new FileStore(root);
        var runs = 0;
        foreach (var e in store.ListExperiments())
            foreach (var r in store.SearchRuns([e.ExperimentId]))
            {
                runs++;
                foreach (var key in r.Metrics.Keys) Assert.NotEmpty(store.GetMetricHistory(r.Info.RunId, key));
            }
        foreach (var dir in new[] { "params", "tags", "metrics" })
            Assert.DoesNotContain(Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories),
                f => Path.GetFileName(f).StartsWith(AtomicFile.TempPrefix) && f.Contains(Path.DirectorySeparatorChar + dir + Path.DirectorySeparatorChar));
        return runs;
    }

    [Fact]
    public void WritersKilledAtRandomPointsLeaveAReadableStore()
    {
        using var tmp = new TempStore();
        var root = tmp.Sub("mlruns");
        var random = new Random(5);
        for (var round = 0; round < 3; round++)
        {
            // Two processes at once, racing to create the same experiments.
            var children = new[] { StartChild("tracking-writer", root, $"{round * 2 + 1}"), StartChild("tracking-writer", root, $"{round * 2 + 2}") };
            foreach (var c in children) WaitForReady(c);
            Thread.Sleep(random.Next(20, 400));
            foreach (var c in children) { c.Kill(); c.WaitForExit(); }
        }
        var runs = ReadWholeStore(root);
        Assert.True(runs >= 6, $"only {runs} runs were written");
        var store = new FileStore(root);
        Assert.Single(store.ListExperiments(), e => e.Name == "race");
        Assert.True(store.ListExperiments().Count(e => e.Name == "race-b") <= 1);
    }

    [Fact]
    public void AKillBetweenAnyTempWriteAndItsRenameLeavesAReadableStore()
    {
        // Count the renames of a scripted session, then replay it crashing at each one in turn.
        var renames = 0;
        using (var tmp = new TempStore())
        {
            AtomicFile.BeforeRename = _ => renames++;
            try { Session(tmp.Path); }
            finally { AtomicFile.BeforeRename = null; }
        }
        Assert.True(renames >= 15, $"{renames} renames");
        for (var crashAt = 1; crashAt <= renames; crashAt++)
        {
            using var tmp = new TempStore();
            var count = 0;
            AtomicFile.BeforeRename = path => { if (++count == crashAt) throw new SimulatedKill(path); };
            try { Assert.Throws<SimulatedKill>(() => Session(tmp.Path)); }
            finally { AtomicFile.BeforeRename = null; }
            ReadWholeStore(tmp.Path);
        }
    }

    private sealed class SimulatedKill(string path) : Exception(path);

    private static void Session(string root)
    {
        var store = new FileStore(root);
        var exp = store.GetOrCreateExperiment("e");
        var run = store.CreateRun(exp, "r", 1700000000000, new Dictionary<string, string> { ["a"] = "1", ["b/c"] = "2" });
        store.LogBatch(run.RunId, [new MetricPoint("loss", 0.5, 1700000000001, 0)], [new("p", "x"), new("q", "y")], [new("t", "z")]);
        store.LogBatch(run.RunId, [new MetricPoint("loss", 0.25, 1700000000002, 1), new MetricPoint("acc", 0.9, 1700000000002, 1)], [], [new(SystemTags.RunName, "renamed")]);
        var artifact = Path.Combine(root, "..", Path.GetFileName(root) + "-artifact.txt");
        File.WriteAllText(artifact, "x");
        store.UploadArtifact(run, artifact, "dir/file.txt");
        store.UpdateRun(run.RunId, RunStatus.Finished, 1700000000003);
        store.Dispose();
    }

    [Theory]
    [InlineData(2, "SIGINT")]
    [InlineData(15, "SIGTERM")]
    public void InterruptEndsTheRunAsKilled(int signal, string name)
    {
        using var tmp = new TempStore();
        var root = tmp.Sub("mlruns");
        using var child = StartChild("tracking-interrupt", root);
        string runId;
        try
        {
            runId = WaitForReady(child).Split(' ')[1];
            Thread.Sleep(150);
            Assert.Equal(0, SendSignal(child.Id, signal));
            Assert.True(child.WaitForExit(20_000), $"child did not exit after {name}");
        }
        finally
        {
            // A child that ignored the signal must not outlive the test (it logs forever).
            if (!child.HasExited) child.Kill();
        }
        var record = new FileStore(root).GetRun(runId)!;
        Assert.Equal(RunStatus.Killed, record.Info.Status);
        Assert.NotNull(record.Info.EndTime);
        Assert.True(record.Metrics["loss"].Step > 0);
        ReadWholeStore(root);
    }
}
