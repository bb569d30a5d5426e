using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Research.Core.Data;
using Research.Core.Mlflow;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Research.Core.Training;

/// <summary>
/// Iteration-based training loop for any TorchSharp module (detectron2/cvpods SimpleTrainer + default hooks):
/// per iteration i: lr = base_lr · group factor · schedule(i); batch = data.GetBatch(i); terms = loss(batch);
/// zero_grad; Σ terms backward; optional clipping; SGD step. Then checkpoint (every period and at the end),
/// evaluation (every eval period and at the end), metrics to the sink, progress to the console.
/// Everything a step allocates lives in one dispose scope, so memory stays flat.
/// </summary>
/// <remarks>
/// The loss function returns named scalar tensors. Keys starting with <c>loss</c> are loss terms: summed
/// (in the dictionary's order) into the total that is differentiated, checked for NaN/Inf, logged. Any other
/// key is a diagnostic (e.g. <c>num_fg_per_gt</c>): logged as a metric, never differentiated.
/// Sink steps are the number of completed iterations (20, 40, …, max_iter).
/// The step's dispose scope covers the batch, the loss function and the model's forward/backward: a tensor
/// the model or loss keeps across steps (a cache) must be detached from it when stored (DetachFromDisposeScope).
/// </remarks>
public sealed class Trainer : IDisposable
{
    private readonly nn.Module _model;
    private readonly Func<ImageBatch, IReadOnlyDictionary<string, Tensor>> _loss;
    private readonly IBatchSource _data;
    private readonly IMetricSink _sink;
    private readonly SolverOptions _solver;
    private readonly LrSchedule _schedule;
    private readonly CheckpointOptions _checkpoints;
    private readonly LoggingOptions _logging;
    private readonly EvaluationOptions? _evaluation;
    private readonly SGD _optimizer;
    private readonly List<SGD.ParamGroup> _groups;
    private readonly List<Parameter> _parameters;

    /// <summary>Creates a trainer; validates every option (errors name the config key and value) and builds the SGD parameter groups.</summary>
    /// <param name="model">The module to train (its parameters, state dict and train mode are used).</param>
    /// <param name="loss">Batch → named scalar tensors (see remarks of <see cref="Trainer"/>).</param>
    /// <param name="data">Batches as a function of the iteration.</param>
    /// <param name="sink">Where metrics and tags go.</param>
    /// <param name="solver">SGD settings.</param>
    /// <param name="schedule">LR schedule and max_iter.</param>
    /// <param name="checkpoints">Checkpoint folder, period, retention, resume.</param>
    /// <param name="logging">Metric and console periods, progress mode (defaults when null).</param>
    /// <param name="evaluation">Periodic evaluation, or null.</param>
    public Trainer(
        nn.Module model,
        Func<ImageBatch, IReadOnlyDictionary<string, Tensor>> loss,
        IBatchSource data,
        IMetricSink sink,
        SolverOptions solver,
        LrSchedule schedule,
        CheckpointOptions checkpoints,
        LoggingOptions? logging = null,
        EvaluationOptions? evaluation = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _loss = loss ?? throw new ArgumentNullException(nameof(loss));
        _data = data ?? throw new ArgumentNullException(nameof(data));
        _sink = sink ?? throw new ArgumentNullException(nameof(sink));
        _solver = solver ?? throw new ArgumentNullException(nameof(solver));
        _schedule = schedule ?? throw new ArgumentNullException(nameof(schedule));
        _checkpoints = checkpoints ?? throw new ArgumentNullException(nameof(checkpoints));
        _logging = logging ?? new LoggingOptions();
        _evaluation = evaluation;
        _solver.Validate();
        _schedule.Validate();
        _checkpoints.Validate();
        _logging.Validate();
        _evaluation?.Validate();
        var (sgd, groups) = SgdBuilder.Build(model, solver);
        _optimizer = sgd;
        ParameterGroups = groups;
        _groups = sgd.ParamGroups.Cast<SGD.ParamGroup>().ToList();
        _parameters = _groups.SelectMany(g => g.Parameters).ToList();
    }

    /// <summary>The SGD parameter groups (name, lr factor, weight decay, parameter names).</summary>
    public IReadOnlyList<ParameterGroupInfo> ParameterGroups { get; }

    /// <summary>The optimizer (TorchSharp SGD with one group per <see cref="ParameterGroups"/> entry).</summary>
    public SGD Optimizer => _optimizer;

    /// <summary>Raised after every iteration.</summary>
    public event EventHandler<IterationCompletedEventArgs>? IterationCompleted;

    /// <summary>Raised after every checkpoint write.</summary>
    public event EventHandler<CheckpointSavedEventArgs>? CheckpointSaved;

    /// <summary>Raised after every evaluation.</summary>
    public event EventHandler<EvaluationCompletedEventArgs>? EvaluationCompleted;

    /// <summary>
    /// Trains from the resume point to max_iter on the calling thread. Returns when done or, once
    /// <paramref name="cancellationToken"/> is cancelled, after the current iteration and a checkpoint.
    /// Throws <see cref="TrainingDivergedException"/> on a NaN/Inf loss term (the step is not applied).
    /// </summary>
    public TrainingResult Run(CancellationToken cancellationToken = default)
    {
        TrainingResult? result = null;
        ProgressDisplay.Run(_logging, view => result = RunLoop(view, cancellationToken));
        return result!;
    }

    private TrainingResult RunLoop(IProgressView view, CancellationToken token)
    {
        var warnings = new List<string>();
        void Warn(string text)
        {
            warnings.Add(text);
            view.Message("warning: " + text);
        }

        var store = new CheckpointStore(_checkpoints.Directory, _checkpoints.KeepLast);
        var evaluationPending = false;
        var resumeFrom = _checkpoints.IsNever ? null : _checkpoints.IsAuto ? store.FindNewestComplete(Warn) : _checkpoints.Resume;
        var maxIter = _schedule.MaxIter;
        long start = 0;
        _model.train();
        if (resumeFrom != null)
        {
            var meta = CheckpointFile.Load(resumeFrom, _model, _optimizer, restoreRngState: true);
            ReapplySolverSettings(resumeFrom, Warn);
            CompareRecordedSettings(resumeFrom, meta, Warn);
            start = meta.Iteration;
            view.Message($"resumed from '{resumeFrom}' at iteration {start}");
            _sink.SetTag("trainer.resumed_from", resumeFrom);
            evaluationPending = meta.Extra.TryGetValue(EvaluationPendingKey, out var pending) && pending == "true";
        }
        else if (_checkpoints.IsNever && store.List().Count > 0)
        {
            Warn($"resume: never, but '{store.Directory}' already holds checkpoints; they are overwritten or pruned as this run writes its own.");
        }

        var lastCheckpoint = resumeFrom;
        var lastSaved = start;
        IReadOnlyDictionary<string, double>? lastEval = null;
        var window = new MetricWindow();
        var runClock = Stopwatch.StartNew();
        var done = 0L;

        string Save(long completed, bool evaluationPending = false)
        {
            var extra = RecordedSettings();
            if (evaluationPending) extra[EvaluationPendingKey] = "true";
            foreach (var (k, v) in _checkpoints.Metadata ?? new Dictionary<string, string>()) extra.TryAdd(k, v);
            string path;
            try { path = store.Save(_model, _optimizer, completed, maxIter, extra); }
            catch (IOException e) when (e is not CheckpointWriteException)
            {
                throw new CheckpointWriteException(store.PathFor(completed), completed, lastCheckpoint, e);
            }
            lastSaved = completed;
            lastCheckpoint = path;
            CheckpointSaved?.Invoke(this, new CheckpointSavedEventArgs(completed, path));
            return path;
        }

        // An evaluation a stop interrupted runs first, at the iteration it was due.
        if (evaluationPending && start < maxIter && _evaluation != null)
        {
            view.Message($"running the evaluation of iteration {start} that the stop interrupted");
            try { lastEval = Evaluate(start); }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                view.Message($"stopped on request during the evaluation of iteration {start}; checkpoint '{lastCheckpoint}' (it runs again on resume).");
                return new TrainingResult(TrainingStatus.Cancelled, start, start, resumeFrom, lastCheckpoint, lastEval, warnings);
            }
        }

        for (var iter = start; iter < maxIter; iter++)
        {
            if (token.IsCancellationRequested)
            {
                var path = iter > lastSaved || lastCheckpoint == null ? Save(iter) : lastCheckpoint;
                view.Message($"stopped on request after {iter} iterations; checkpoint '{path}' (resume: auto continues from it).");
                return new TrainingResult(TrainingStatus.Cancelled, start, iter, resumeFrom, path, lastEval, warnings);
            }

            var step = RunStep(iter, lastCheckpoint);
            window.Add(step.Losses);
            window.Add("total_loss", step.TotalLoss);
            window.Add(step.Diagnostics);
            window.Add("time_per_iter", step.Seconds);
            window.Add("data_time", step.DataSeconds);
            done++;
            IterationCompleted?.Invoke(this, new IterationCompletedEventArgs(iter, step.Lr, step.Losses, step.TotalLoss, step.Diagnostics, step.Seconds));

            var completed = iter + 1;
            if (completed % _checkpoints.Period == 0 || completed == maxIter) Save(completed);
            if (EvaluationDue(completed, maxIter))
            {
                try { lastEval = Evaluate(completed); }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    // The evaluator gave up between batches: the checkpoint says the evaluation is still due.
                    var path = Save(completed, evaluationPending: true);
                    view.Message($"stopped on request during the evaluation of iteration {completed}; checkpoint '{path}' (the evaluation runs again on resume).");
                    return new TrainingResult(TrainingStatus.Cancelled, start, completed, resumeFrom, path, lastEval, warnings);
                }
            }

            var secondsPerIter = runClock.Elapsed.TotalSeconds / done;
            var terms = window.Means(step.Losses.Keys);
            view.Update(new ProgressSnapshot(completed, maxIter, terms, window.Mean("total_loss"), step.Lr,
                secondsPerIter > 0 ? 1 / secondsPerIter : 0, TimeSpan.FromSeconds(secondsPerIter * (maxIter - completed))));
            if (completed % _logging.MetricsPeriod == 0 || completed == maxIter)
            {
                var metrics = window.Means();
                metrics["lr"] = step.Lr;
                _sink.LogMetrics(completed, metrics);
                window.Reset();
            }
        }

        if (start >= maxIter)
        {
            view.Message($"training already complete ({start}/{maxIter} iterations in '{resumeFrom}').");
            if (_evaluation != null) lastEval = Evaluate(start);
        }
        return new TrainingResult(TrainingStatus.Completed, start, Math.Max(start, maxIter), resumeFrom, lastCheckpoint, lastEval, warnings);
    }

    /// <summary>Checkpoint metadata key: "true" when a stop interrupted the evaluation due at the checkpoint's iteration.</summary>
    public const string EvaluationPendingKey = "evaluation_pending";

    private sealed record StepValues(double Lr, IReadOnlyDictionary<string, double> Losses, double TotalLoss,
        IReadOnlyDictionary<string, double> Diagnostics, double Seconds, double DataSeconds);

    private StepValues RunStep(long iter, string? lastCheckpoint)
    {
        var lr = _solver.BaseLr * _schedule.Factor(iter);
        for (var g = 0; g < _groups.Count; g++) _groups[g].LearningRate = lr * ParameterGroups[g].LrFactor;
        var clock = Stopwatch.StartNew();
        using var scope = torch.NewDisposeScope();
        using var batch = _data.GetBatch(iter);
        var dataSeconds = clock.Elapsed.TotalSeconds;
        var terms = _loss(batch);
        var losses = new Dictionary<string, double>();
        var diagnostics = new Dictionary<string, double>();
        Tensor? total = null;
        foreach (var (key, value) in terms)
        {
            if (value.numel() != 1)
                throw new InvalidOperationException($"the loss function returned '{key}' with shape ({string.Join(", ", value.shape)}) at iteration {iter}: every entry must be a scalar.");
            var v = value.detach().to_type(ScalarType.Float64).cpu().item<double>();
            if (key.StartsWith("loss", StringComparison.Ordinal))
            {
                losses[key] = v;
                total = total is null ? value : total + value;
            }
            else
            {
                diagnostics[key] = v;
            }
        }
        if (total is null)
            throw new InvalidOperationException($"the loss function returned no loss term at iteration {iter} (keys: {string.Join(", ", terms.Keys)}); loss terms are the keys starting with 'loss'.");
        foreach (var (key, v) in losses)
            if (!double.IsFinite(v)) throw new TrainingDivergedException(iter, key, v, lastCheckpoint);
        var totalValue = total.detach().to_type(ScalarType.Float64).cpu().item<double>();
        if (!double.IsFinite(totalValue)) throw new TrainingDivergedException(iter, "total_loss", totalValue, lastCheckpoint);

        _optimizer.zero_grad();
        total.backward();
        if (_solver.ClipGradNorm is { } maxNorm) torch.nn.utils.clip_grad_norm_(_parameters, maxNorm);
        _optimizer.step();
        return new StepValues(lr, losses, totalValue, diagnostics, clock.Elapsed.TotalSeconds, dataSeconds);
    }

    private bool EvaluationDue(long completed, long maxIter) =>
        _evaluation != null && ((_evaluation.Period > 0 && completed % _evaluation.Period == 0) || completed == maxIter);

    private IReadOnlyDictionary<string, double> Evaluate(long completed)
    {
        IReadOnlyDictionary<string, double> metrics;
        // No dispose scope here: an evaluator may keep tensors across calls (e.g. cached ground truth); it
        // scopes each of its own batches (STYLE §7).
        using (torch.no_grad())
        {
            try { metrics = _evaluation!.Evaluate(completed); }
            finally { _model.train(); }
        }
        if (metrics.Count > 0) _sink.LogMetrics(completed, metrics);
        EvaluationCompleted?.Invoke(this, new EvaluationCompletedEventArgs(completed, metrics));
        return metrics;
    }

    // The optimizer state in a checkpoint carries the group options of the run that wrote it; the current
    // solver settings win (lr is set every iteration anyway), and a change is reported.
    private void ReapplySolverSettings(string path, Action<string> warn)
    {
        for (var g = 0; g < _groups.Count; g++)
        {
            var o = _groups[g].Options;
            var info = ParameterGroups[g];
            if (o.momentum != _solver.Momentum)
                warn($"checkpoint '{path}' used momentum {o.momentum} for group '{info.Name}'; continuing with {_solver.Momentum}.");
            if (o.weight_decay != info.WeightDecay)
                warn($"checkpoint '{path}' used weight_decay {o.weight_decay} for group '{info.Name}'; continuing with {info.WeightDecay}.");
            o.momentum = _solver.Momentum;
            o.weight_decay = info.WeightDecay;
        }
    }

    private Dictionary<string, string> RecordedSettings() => new()
    {
        ["base_lr"] = _solver.BaseLr.ToString("R", CultureInfo.InvariantCulture),
        ["schedule"] = JsonSerializer.Serialize(new
        {
            kind = _schedule.Kind.ToString(), max_iter = _schedule.MaxIter, steps = _schedule.Steps, gamma = _schedule.Gamma,
            warmup_iters = _schedule.WarmupIters, warmup_factor = _schedule.WarmupFactor,
        }),
    };

    private void CompareRecordedSettings(string path, CheckpointMetadata meta, Action<string> warn)
    {
        foreach (var (key, now) in RecordedSettings())
            if (meta.Extra.TryGetValue(key, out var then) && then != now)
                warn($"checkpoint '{path}' was written with {key} {then}; continuing with {now} (the resumed run will not repeat the original).");
    }

    /// <inheritdoc />
    public void Dispose() => _optimizer.Dispose();
}
