namespace Research.Core.Data;

/// <summary>
/// Training batches as a pure function of the iteration: for a fixed seed, <see cref="GetBatch"/> of the
/// same iteration always yields the same images, order and augmentation. That is what makes a resumed
/// run repeat the uninterrupted one. Implementations may prefetch the next iterations in the background.
/// </summary>
public interface IBatchSource : IDisposable
{
    /// <summary>Images per batch N.</summary>
    int BatchSize { get; }

    /// <summary>The batch of a 0-based iteration; the caller owns (disposes) it.</summary>
    ImageBatch GetBatch(long iteration);
}
