namespace Research.Core.Training;

/// <summary>
/// A checkpoint could not be written (most often: the disk is full). Nothing of it is left behind (the
/// temporary file is removed) and the previous checkpoint, named in the message, is intact.
/// </summary>
public sealed class CheckpointWriteException : IOException
{
    /// <summary>Wraps the I/O error of writing the checkpoint of <paramref name="iteration"/> to <paramref name="path"/>.</summary>
    public CheckpointWriteException(string path, long iteration, string? previous, IOException inner)
        : base($"could not write the checkpoint of iteration {iteration} to {path}: {inner.Message}" +
               (previous is null ? " (no earlier checkpoint)" : $"; the previous checkpoint {previous} is intact"), inner)
    {
        Path = path;
        Iteration = iteration;
        Previous = previous;
    }

    /// <summary>The checkpoint that could not be written.</summary>
    public string Path { get; }

    /// <summary>Its iteration.</summary>
    public long Iteration { get; }

    /// <summary>The newest complete checkpoint, or null.</summary>
    public string? Previous { get; }
}
