namespace Research.Core.Training;

/// <summary>How a call to <see cref="Trainer.Run"/> ended.</summary>
public enum TrainingStatus
{
    /// <summary>All max_iter iterations are done (possibly already before this call).</summary>
    Completed,

    /// <summary>Stopped on request (Ctrl-C / cancellation token) after writing a checkpoint.</summary>
    Cancelled,
}

/// <summary>The outcome of <see cref="Trainer.Run"/>.</summary>
/// <param name="Status">Completed or cancelled.</param>
/// <param name="StartIteration">The 0-based iteration this call started at (non-zero after a resume).</param>
/// <param name="Iteration">Completed iterations when the call returned.</param>
/// <param name="ResumedFrom">The checkpoint resumed from, or null.</param>
/// <param name="LastCheckpoint">The newest checkpoint written or resumed from, or null.</param>
/// <param name="LastEvaluation">Metrics of the last evaluation, or null.</param>
/// <param name="Warnings">Every warning raised during the call (also printed).</param>
public sealed record TrainingResult(
    TrainingStatus Status,
    long StartIteration,
    long Iteration,
    string? ResumedFrom,
    string? LastCheckpoint,
    IReadOnlyDictionary<string, double>? LastEvaluation,
    IReadOnlyList<string> Warnings);

/// <summary>Raised after each training iteration.</summary>
/// <param name="iteration">The 0-based iteration just run.</param>
/// <param name="lr">Scheduled lr (base_lr · factor) used by the iteration.</param>
/// <param name="losses">Each loss term's value (keys starting with "loss").</param>
/// <param name="totalLoss">Sum of the loss terms.</param>
/// <param name="diagnostics">Non-loss scalars the loss function returned.</param>
/// <param name="seconds">Wall time of the iteration.</param>
public sealed class IterationCompletedEventArgs(long iteration, double lr, IReadOnlyDictionary<string, double> losses,
    double totalLoss, IReadOnlyDictionary<string, double> diagnostics, double seconds) : EventArgs
{
    /// <summary>The 0-based iteration just run.</summary>
    public long Iteration { get; } = iteration;

    /// <summary>Scheduled lr (base_lr · factor) used by the iteration.</summary>
    public double Lr { get; } = lr;

    /// <summary>Each loss term's value.</summary>
    public IReadOnlyDictionary<string, double> Losses { get; } = losses;

    /// <summary>Sum of the loss terms.</summary>
    public double TotalLoss { get; } = totalLoss;

    /// <summary>Non-loss scalars the loss function returned.</summary>
    public IReadOnlyDictionary<string, double> Diagnostics { get; } = diagnostics;

    /// <summary>Wall time of the iteration in seconds.</summary>
    public double Seconds { get; } = seconds;
}

/// <summary>Raised after a checkpoint is written.</summary>
/// <param name="iteration">Completed iterations it holds.</param>
/// <param name="path">The file.</param>
public sealed class CheckpointSavedEventArgs(long iteration, string path) : EventArgs
{
    /// <summary>Completed iterations the checkpoint holds.</summary>
    public long Iteration { get; } = iteration;

    /// <summary>The checkpoint file.</summary>
    public string Path { get; } = path;
}

/// <summary>Raised after a periodic or final evaluation.</summary>
/// <param name="iteration">Completed iterations at evaluation time.</param>
/// <param name="metrics">What the evaluation callback returned.</param>
public sealed class EvaluationCompletedEventArgs(long iteration, IReadOnlyDictionary<string, double> metrics) : EventArgs
{
    /// <summary>Completed iterations at evaluation time.</summary>
    public long Iteration { get; } = iteration;

    /// <summary>What the evaluation callback returned.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; } = metrics;
}

/// <summary>
/// A loss term became NaN or infinite: training stopped before applying that step, so the model and the
/// last checkpoint are untouched.
/// </summary>
public sealed class TrainingDivergedException(long iteration, string term, double value, string? lastCheckpoint)
    : Exception($"loss term '{term}' is {Describe(value)} at iteration {iteration} (0-based); training stopped before " +
                "applying this step. " + (lastCheckpoint != null
                    ? $"The last checkpoint '{lastCheckpoint}' is intact (resume: auto continues from it); lower solver.base_lr or enable solver.clip_grad_norm."
                    : "No checkpoint was written yet; lower solver.base_lr or enable solver.clip_grad_norm."))
{
    /// <summary>The 0-based iteration whose loss was not finite.</summary>
    public long Iteration { get; } = iteration;

    /// <summary>The loss term's name (e.g. loss_cls).</summary>
    public string Term { get; } = term;

    /// <summary>The non-finite value (NaN or ±Infinity).</summary>
    public double Value { get; } = value;

    /// <summary>The newest checkpoint on disk, or null.</summary>
    public string? LastCheckpoint { get; } = lastCheckpoint;

    private static string Describe(double v) => double.IsNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
}
