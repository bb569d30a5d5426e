namespace Research.Core.Training;

/// <summary>What a checkpoint says about itself (stored as JSON at the start of the file).</summary>
/// <param name="Iteration">Number of completed iterations; training resumes at this 0-based iteration.</param>
/// <param name="MaxIter">The run's max_iter when the checkpoint was written.</param>
/// <param name="CreatedUtc">Write time, ISO 8601 UTC.</param>
/// <param name="HasOptimizer">Whether the optimizer state (momentum buffers, group options) is stored.</param>
/// <param name="HasRngState">Whether torch's CPU generator state is stored.</param>
/// <param name="Extra">Free key → value pairs from the writer (e.g. the schedule, a config digest).</param>
public sealed record CheckpointMetadata(
    long Iteration,
    long MaxIter,
    string CreatedUtc,
    bool HasOptimizer,
    bool HasRngState,
    IReadOnlyDictionary<string, string> Extra);

/// <summary>The result of checking a checkpoint file for completeness.</summary>
/// <param name="Path">The file checked.</param>
/// <param name="Problem">Null when the file is complete and its digest matches; otherwise why it is not usable.</param>
public sealed record CheckpointCheck(string Path, string? Problem)
{
    /// <summary>True when the file is complete and intact.</summary>
    public bool IsComplete => Problem is null;
}
