using Research.Core.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Training;

[Collection(GlobalRngCollection.Name)]
public sealed class TrainerTests : IDisposable
{
    private readonly string _dir = Toys.TempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed record Run(ToyNet Net, Trainer Trainer, RecordingSink Sink, List<(long Iteration, double Total)> Losses, ToyBatchSource Data);

    private Run NewRun(long maxIter, long checkpointPeriod, string resume = "auto", long nanAt = -1, long metricsPeriod = 1,
        EvaluationOptions? eval = null, LoggingOptions? logging = null, LrScheduleKind kind = LrScheduleKind.Cosine, double? clip = null, double weightDecay = 1e-4)
    {
        var net = Toys.NewNet(seed: 7);
        var data = new ToyBatchSource(seed: 11, nanAtIteration: nanAt);
        var sink = new RecordingSink();
        var trainer = new Trainer(net, Toys.ToyLoss(net), data, sink,
            new SolverOptions(0.05, WeightDecay: weightDecay, ClipGradNorm: clip),
            new LrSchedule(maxIter, kind, kind == LrScheduleKind.MultiStep ? new long[] { maxIter / 2 } : null, WarmupIters: 3),
            new CheckpointOptions(_dir, checkpointPeriod, KeepLast: 3, Resume: resume, Metadata: new Dictionary<string, string> { ["config"] = "toy" }),
            logging ?? new LoggingOptions(MetricsPeriod: metricsPeriod, Progress: ProgressMode.None, Output: TextWriter.Null),
            eval);
        var losses = new List<(long, double)>();
        trainer.IterationCompleted += (_, e) => losses.Add((e.Iteration, e.TotalLoss));
        return new Run(net, trainer, sink, losses, data);
    }

    [Fact]
    public void StoppingAndResumingRepeatsTheUninterruptedRunExactly()
    {
        const int n = 10;
        var whole = NewRun(2 * n, checkpointPeriod: n, resume: "never");
        whole.Trainer.Run();
        var expectedWeights = Toys.Flat(whole.Net);
        whole.Trainer.Dispose();
        foreach (var f in Directory.GetFiles(_dir)) File.Delete(f);

        using var cts = new CancellationTokenSource();
        var first = NewRun(2 * n, checkpointPeriod: n);
        first.Trainer.IterationCompleted += (_, e) => { if (e.Iteration == n - 1) cts.Cancel(); };
        var r1 = first.Trainer.Run(cts.Token);
        first.Trainer.Dispose();
        Assert.Equal(TrainingStatus.Cancelled, r1.Status);
        Assert.Equal(n, r1.Iteration);

        var second = NewRun(2 * n, checkpointPeriod: n);   // fresh model, fresh RNG: everything comes from the checkpoint
        var r2 = second.Trainer.Run();
        second.Trainer.Dispose();

        Assert.Equal(n, r2.StartIteration);
        Assert.EndsWith("model_0000010.ckpt", r2.ResumedFrom);
        Assert.Equal(whole.Losses, first.Losses.Concat(second.Losses));   // bit-identical doubles, dropout included
        Assert.Equal(expectedWeights, Toys.Flat(second.Net));
        Assert.Equal(20, whole.Losses.Count);
    }

    [Fact]
    public void ResumeSkipsATruncatedNewestCheckpointAndStillRepeatsTheRun()
    {
        var whole = NewRun(10, checkpointPeriod: 4, resume: "never");
        whole.Trainer.Run();
        whole.Trainer.Dispose();
        var newest = Path.Combine(_dir, "model_0000010.ckpt");
        using (var f = new FileStream(newest, FileMode.Open)) f.SetLength(1000);

        var again = NewRun(10, checkpointPeriod: 4);
        var r = again.Trainer.Run();
        again.Trainer.Dispose();

        Assert.EndsWith("model_0000008.ckpt", r.ResumedFrom);
        Assert.Contains(r.Warnings, w => w.Contains("model_0000010.ckpt") && w.Contains("truncated"));
        Assert.Equal(whole.Losses.Skip(8), again.Losses);
    }

    [Fact]
    public void ANanLossStopsWithTheIterationAndTermAndLeavesTheLastCheckpointIntact()
    {
        var run = NewRun(20, checkpointPeriod: 5, nanAt: 13);
        float[]? weightsAfter12 = null;
        run.Trainer.IterationCompleted += (_, e) => { if (e.Iteration == 12) weightsAfter12 = Toys.Flat(run.Net); };

        var e = Assert.Throws<TrainingDivergedException>(() => run.Trainer.Run());

        Assert.Equal(13, e.Iteration);
        Assert.Equal("loss_a", e.Term);   // the first term in the loss dictionary's order
        Assert.Contains("'loss_a' is NaN at iteration 13", e.Message);
        var last = Path.Combine(_dir, "model_0000010.ckpt");
        Assert.Equal(last, e.LastCheckpoint);
        Assert.Contains(last, e.Message);
        Assert.True(CheckpointFile.Verify(last).IsComplete);
        Assert.Equal(10, CheckpointFile.LoadModel(last, Toys.NewNet(1)).Iteration);
        Assert.Equal(weightsAfter12, Toys.Flat(run.Net));   // the NaN step was not applied
        Assert.Equal(new[] { 5L, 10 }, new CheckpointStore(_dir).List().Select(c => c.Iteration));
        run.Trainer.Dispose();
    }

    [Fact]
    public void AStopDuringAnEvaluationCheckpointsItAsDueAndTheResumedRunEvaluatesFirst()
    {
        using var cts = new CancellationTokenSource();
        var calls = new List<long>();
        // The evaluator gives up as evaluators do between batches: the first time, the stop arrives during it.
        var stopping = new EvaluationOptions(4, it =>
        {
            calls.Add(it);
            cts.Cancel();
            cts.Token.ThrowIfCancellationRequested();
            return new Dictionary<string, double>();
        });
        var first = NewRun(8, checkpointPeriod: 100, eval: stopping);
        var r1 = first.Trainer.Run(cts.Token);
        first.Trainer.Dispose();
        Assert.Equal(TrainingStatus.Cancelled, r1.Status);
        Assert.Equal(4, r1.Iteration);
        Assert.Equal(Path.Combine(_dir, "model_0000004.ckpt"), r1.LastCheckpoint);
        Assert.Equal("true", CheckpointFile.ReadMetadata(r1.LastCheckpoint!).Extra[Trainer.EvaluationPendingKey]);
        Assert.Equal(new[] { 4L }, calls);

        calls.Clear();
        var counting = new EvaluationOptions(4, it =>
        {
            calls.Add(it);
            return new Dictionary<string, double> { ["bbox/AP"] = it };
        });
        var second = NewRun(8, checkpointPeriod: 100, eval: counting);
        var r2 = second.Trainer.Run();
        second.Trainer.Dispose();
        Assert.Equal(TrainingStatus.Completed, r2.Status);
        Assert.Equal(4, r2.StartIteration);
        Assert.Equal(new[] { 4L, 8L }, calls);   // the interrupted evaluation first, then the due ones
        Assert.Equal(new[] { 4L, 8L }, second.Sink.Metrics.Where(m => m.Metrics.ContainsKey("bbox/AP")).Select(m => m.Step));
        Assert.False(CheckpointFile.ReadMetadata(Path.Combine(_dir, "model_0000008.ckpt")).Extra.ContainsKey(Trainer.EvaluationPendingKey));
    }

    [Fact]
    public void CancellationWritesACheckpointAtTheCurrentIterationAndStopsCleanly()
    {
        using var cts = new CancellationTokenSource();
        var run = NewRun(50, checkpointPeriod: 20);
        var saved = new List<long>();
        run.Trainer.CheckpointSaved += (_, e) => saved.Add(e.Iteration);
        run.Trainer.IterationCompleted += (_, e) => { if (e.Iteration == 6) cts.Cancel(); };

        var r = run.Trainer.Run(cts.Token);

        Assert.Equal(TrainingStatus.Cancelled, r.Status);
        Assert.Equal(7, r.Iteration);
        Assert.Equal(new[] { 7L }, saved);
        Assert.Equal(Path.Combine(_dir, "model_0000007.ckpt"), r.LastCheckpoint);
        var meta = CheckpointFile.ReadMetadata(r.LastCheckpoint!);
        Assert.Equal(7, meta.Iteration);
        Assert.Equal(50, meta.MaxIter);
        Assert.Equal("0.05", meta.Extra["base_lr"]);
        Assert.Equal("toy", meta.Extra["config"]);
        Assert.Equal(7, run.Data.Calls);   // no batch was fetched after the request
        run.Trainer.Dispose();
    }

    [Fact]
    public void MetricsAreWindowMeansAtCompletedIterationSteps()
    {
        var run = NewRun(10, checkpointPeriod: 100, metricsPeriod: 5, kind: LrScheduleKind.MultiStep);
        var lrs = new List<double>();
        var diag = new List<double>();
        run.Trainer.IterationCompleted += (_, e) => { lrs.Add(e.Lr); diag.Add(e.Diagnostics["out_abs_mean"]); };
        run.Trainer.Run();

        Assert.Equal(new[] { 5L, 10 }, run.Sink.Metrics.Select(m => m.Step));
        var m5 = run.Sink.Metrics[0].Metrics;
        Assert.Equal(new[] { "loss_a", "loss_b", "total_loss", "out_abs_mean", "time_per_iter", "data_time", "lr" }, m5.Keys);
        Assert.Equal(run.Losses.Take(5).Average(l => l.Total), m5["total_loss"], 12);
        Assert.Equal(diag.Skip(5).Average(), run.Sink.Metrics[1].Metrics["out_abs_mean"], 12);
        // lr of the window's last iteration (4, then 9); warm-up 3 from 0.001, step at 5 (gamma 0.1)
        Assert.Equal(0.05, m5["lr"], 12);
        Assert.Equal(0.05 * 0.1, run.Sink.Metrics[1].Metrics["lr"], 12);
        Assert.Equal(0.05 * (0.001 * (1 - 1 / 3.0) + 1 / 3.0), lrs[1], 12);
    }

    [Fact]
    public void EvaluationRunsEveryPeriodAndAtTheEndInTrainModeAfterwards()
    {
        ToyNet? net = null;
        var calls = new List<long>();
        var eval = new EvaluationOptions(4, it =>
        {
            net!.eval();
            calls.Add(it);
            return new Dictionary<string, double> { ["bbox/AP"] = it / 100.0 };
        });
        var run = NewRun(10, checkpointPeriod: 100, metricsPeriod: 100, eval: eval);
        net = run.Net;
        var trainingFlags = new List<bool>();
        run.Trainer.IterationCompleted += (_, _) => trainingFlags.Add(run.Net.training);
        var r = run.Trainer.Run();

        Assert.Equal(new[] { 4L, 8, 10 }, calls);
        Assert.All(trainingFlags, Assert.True);
        Assert.Equal(0.1, r.LastEvaluation!["bbox/AP"]);
        Assert.Equal(new[] { 4L, 8, 10 }, run.Sink.Metrics.Where(m => m.Metrics.ContainsKey("bbox/AP")).Select(m => m.Step));
        run.Trainer.Dispose();
    }

    [Fact]
    public void RedirectedOutputGetsPlainLinesEveryPrintPeriod()
    {
        var text = new StringWriter();
        var run = NewRun(10, checkpointPeriod: 100,
            logging: new LoggingOptions(PrintPeriod: 5, Progress: ProgressMode.Auto, Output: text));
        run.Trainer.Run();
        run.Trainer.Dispose();
        var lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("iter 5/10  total_loss ", lines[0]);
        Assert.StartsWith("iter 10/10  total_loss ", lines[1]);
        Assert.Matches(@"loss_a \d\.\d{4}  loss_b \d\.\d{4}  lr [0-9.e+-]+  \d+\.\d\d it/s  eta 0:00:00", lines[1]);
    }

    [Fact]
    public void ARunAlreadyCompleteOnlyEvaluates()
    {
        var first = NewRun(5, checkpointPeriod: 5);
        first.Trainer.Run();
        first.Trainer.Dispose();
        var calls = new List<long>();
        var again = NewRun(5, checkpointPeriod: 5, eval: new EvaluationOptions(0, it => { calls.Add(it); return new Dictionary<string, double>(); }));
        var r = again.Trainer.Run();
        again.Trainer.Dispose();
        Assert.Equal(TrainingStatus.Completed, r.Status);
        Assert.Equal(5, r.StartIteration);
        Assert.Empty(again.Losses);
        Assert.Equal(new[] { 5L }, calls);
    }

    [Fact]
    public void LiveTensorCountStaysFlatOverManySteps()
    {
        var run = NewRun(120, checkpointPeriod: 40, metricsPeriod: 10, clip: 1.0);
        var live = new Dictionary<long, long>();
        run.Trainer.IterationCompleted += (_, e) => live[e.Iteration] = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        run.Trainer.Run();
        run.Trainer.Dispose();
        // After the first steps (momentum buffers are created at step 1) the count must not move.
        // 100 steps with two checkpoints and ten metric writes in between.
        Assert.Equal(live[20], live[119]);
        Assert.Equal(live[20], live[70]);
    }

    [Fact]
    public void BadOptionsAreRefusedNamingTheKey()
    {
        var net = Toys.NewNet();
        ArgumentException Make(SolverOptions s, LrSchedule l, CheckpointOptions c) => Assert.Throws<ArgumentException>(() =>
            new Trainer(net, Toys.ToyLoss(net), new ToyBatchSource(1), new RecordingSink(), s, l, c));
        var ok = new CheckpointOptions(_dir, 10);
        Assert.Contains("solver.base_lr", Make(new SolverOptions(0), new LrSchedule(10), ok).Message);
        Assert.Contains("solver.momentum", Make(new SolverOptions(0.1, Momentum: 1.5), new LrSchedule(10), ok).Message);
        Assert.Contains("solver.checkpoint_period", Make(new SolverOptions(0.1), new LrSchedule(10), ok with { Period = 0 }).Message);
        Assert.Contains("'nowhere.ckpt'", Make(new SolverOptions(0.1), new LrSchedule(10), ok with { Resume = "nowhere.ckpt" }).Message);
    }

    [Fact]
    public void ResumingWithChangedSettingsWarnsAndUsesTheNewOnes()
    {
        var first = NewRun(6, checkpointPeriod: 3);
        first.Trainer.Run();
        first.Trainer.Dispose();
        var explicitPath = Path.Combine(_dir, "model_0000003.ckpt");

        var again = NewRun(12, checkpointPeriod: 3, resume: explicitPath, weightDecay: 5e-4);
        var r = again.Trainer.Run();
        again.Trainer.Dispose();

        Assert.Equal(3, r.StartIteration);
        Assert.Equal(explicitPath, r.ResumedFrom);
        Assert.Contains(r.Warnings, w => w.Contains("weight_decay 0.0001 for group 'default'") && w.Contains("continuing with 0.0005"));
        Assert.Contains(r.Warnings, w => w.Contains("with schedule") && w.Contains("\"max_iter\":6"));
        Assert.Equal(5e-4, again.Trainer.Optimizer.ParamGroups.Cast<TorchSharp.Modules.SGD.ParamGroup>().First().Options.weight_decay);
        Assert.Equal(explicitPath, again.Sink.Tags["trainer.resumed_from"]);
        Assert.Equal(9, again.Losses.Count);
    }

    [Fact]
    public void ResumeNeverStartsOverAndSaysTheFolderHoldsCheckpoints()
    {
        NewRun(3, checkpointPeriod: 3).Trainer.Run();
        var again = NewRun(3, checkpointPeriod: 3, resume: "never");
        var r = again.Trainer.Run();
        Assert.Equal(0, r.StartIteration);
        Assert.Equal(3, again.Losses.Count);
        Assert.Contains(r.Warnings, w => w.Contains("resume: never") && w.Contains(_dir));
    }
}
