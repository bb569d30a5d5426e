namespace Research.Core.Training;

/// <summary>Where and how often the trainer writes checkpoints, and whether it resumes.</summary>
/// <param name="Directory">Checkpoint folder (e.g. output.dir/checkpoints).</param>
/// <param name="Period">Write a checkpoint every this many iterations (solver.checkpoint_period); one is always written at the end.</param>
/// <param name="KeepLast">How many newest checkpoints are kept.</param>
/// <param name="Resume"><c>auto</c> (newest complete checkpoint in <paramref name="Directory"/>, else from scratch), <c>never</c>, or a checkpoint file path.</param>
/// <param name="Metadata">Extra key → value pairs stored in every checkpoint's metadata (e.g. the resolved config), read back through <see cref="CheckpointFile.ReadMetadata"/>.</param>
public sealed record CheckpointOptions(string Directory, long Period, int KeepLast = 3, string Resume = "auto",
    IReadOnlyDictionary<string, string>? Metadata = null)
{
    /// <summary>Throws an <see cref="ArgumentException"/> naming the key and value when a setting is out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Directory)) throw new ArgumentException("checkpoint directory must not be empty.");
        if (Period <= 0) throw new ArgumentException($"solver.checkpoint_period must be > 0, got {Period}.");
        if (KeepLast < 1) throw new ArgumentException($"checkpoint keep_last must be >= 1, got {KeepLast}.");
        if (string.IsNullOrWhiteSpace(Resume)) throw new ArgumentException("resume must be auto, never or a checkpoint path, got an empty value.");
        if (!IsAuto && !IsNever && !File.Exists(Resume))
            throw new ArgumentException($"resume: '{Resume}' is not auto or never, and no such checkpoint file exists.");
    }

    /// <summary>True for <c>resume: auto</c>.</summary>
    public bool IsAuto => string.Equals(Resume?.Trim(), "auto", StringComparison.OrdinalIgnoreCase);

    /// <summary>True for <c>resume: never</c> (also <c>no</c>, <c>false</c>).</summary>
    public bool IsNever => Resume?.Trim().ToLowerInvariant() is "never" or "no" or "false";
}

/// <summary>How progress is shown on the console.</summary>
public enum ProgressMode
{
    /// <summary>A live Spectre.Console table when the console is interactive, plain lines when output is redirected.</summary>
    Auto,

    /// <summary>Always the live display.</summary>
    Live,

    /// <summary>Always plain lines every <see cref="LoggingOptions.PrintPeriod"/> iterations.</summary>
    Lines,

    /// <summary>Nothing but warnings.</summary>
    None,
}

/// <summary>How often metrics go to the sink and progress to the console.</summary>
/// <param name="MetricsPeriod">Every this many iterations the means over the window of each loss term, total_loss, diagnostics, time_per_iter, data_time and the current lr go to the metric sink.</param>
/// <param name="PrintPeriod">Plain progress lines every this many iterations (redirected output).</param>
/// <param name="Progress">Live display, plain lines or nothing.</param>
/// <param name="Output">Where plain lines and warnings are written; null means the console (stdout).</param>
public sealed record LoggingOptions(long MetricsPeriod = 20, long PrintPeriod = 20, ProgressMode Progress = ProgressMode.Auto, TextWriter? Output = null)
{
    /// <summary>Throws an <see cref="ArgumentException"/> naming the key and value when a setting is out of range.</summary>
    public void Validate()
    {
        if (MetricsPeriod <= 0) throw new ArgumentException($"logging metrics_period must be > 0, got {MetricsPeriod}.");
        if (PrintPeriod <= 0) throw new ArgumentException($"logging print_period must be > 0, got {PrintPeriod}.");
    }
}

/// <summary>Periodic evaluation during training.</summary>
/// <param name="Period">Evaluate every this many iterations (eval.period); 0 means only at the end.</param>
/// <param name="Evaluate">
/// Called with the number of completed iterations; returns named metrics (logged to the sink at that step).
/// It may switch the model to eval mode: the trainer switches it back to train mode afterwards and runs it
/// under no_grad. It disposes its own tensors (a dispose scope per evaluation batch).
/// </param>
/// <remarks>
/// An evaluator may stop early by throwing <see cref="OperationCanceledException"/> once the token given to
/// <see cref="Trainer.Run"/> is cancelled (e.g. between batches); the trainer then writes a checkpoint that
/// marks the evaluation as still due, and a resumed run evaluates first.
/// </remarks>
public sealed record EvaluationOptions(long Period, Func<long, IReadOnlyDictionary<string, double>> Evaluate)
{
    /// <summary>Throws an <see cref="ArgumentException"/> naming the key and value when a setting is out of range.</summary>
    public void Validate()
    {
        if (Period < 0) throw new ArgumentException($"eval.period must be >= 0 (0 = only at the end), got {Period}.");
        ArgumentNullException.ThrowIfNull(Evaluate);
    }
}
