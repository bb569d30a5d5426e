using System.Collections;

namespace Research.Core.Data;

/// <summary>
/// Evaluation batches: every image in a fixed order (by id, as the dataset lists them), resized to the test
/// size, never flipped; the last batch may be smaller. Each enumeration prefetches the next batches on a
/// background thread and stops it when the enumeration ends. The caller disposes each batch.
/// </summary>
public sealed class EvalBatchLoader : IEnumerable<ImageBatch>
{
    private readonly IReadOnlyList<CocoImage> _images;
    private readonly ImagePreparer _preparer;
    private readonly int _prefetchDepth;
    private readonly bool _withTargets;

    /// <summary>Creates a loader over all images of a dataset (crowd-only and empty images included).</summary>
    public EvalBatchLoader(CocoDataset dataset, InputOptions input, int batchSize, int prefetchDepth = 2, bool withTargets = false)
        : this(dataset.Images, new ImagePreparer(input), batchSize, prefetchDepth, withTargets) { }

    /// <summary>Creates a loader over an explicit list of images.</summary>
    /// <param name="images">Images in the order they are to be evaluated.</param>
    /// <param name="preparer">Decoding and transforms (test settings are used).</param>
    /// <param name="batchSize">Images per batch N.</param>
    /// <param name="prefetchDepth">Batches built ahead; 0 builds on the caller's thread.</param>
    /// <param name="withTargets">Attach non-crowd targets (e.g. for validation losses or pictures).</param>
    public EvalBatchLoader(IReadOnlyList<CocoImage> images, ImagePreparer preparer, int batchSize, int prefetchDepth = 2, bool withTargets = false)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be at least 1");
        if (prefetchDepth < 0) throw new ArgumentOutOfRangeException(nameof(prefetchDepth), prefetchDepth, "prefetch depth must be ≥ 0");
        _images = images;
        _preparer = preparer;
        BatchSize = batchSize;
        _prefetchDepth = prefetchDepth;
        _withTargets = withTargets;
    }

    /// <summary>Images per batch N (the last batch may have fewer).</summary>
    public int BatchSize { get; }

    /// <summary>Number of batches.</summary>
    public int BatchCount => (_images.Count + BatchSize - 1) / BatchSize;

    /// <summary>Builds batch b synchronously.</summary>
    public ImageBatch BuildBatch(long b)
    {
        var start = (int)(b * BatchSize);
        var count = Math.Min(BatchSize, _images.Count - start);
        var samples = new DetectionSample[count];
        for (var i = 0; i < count; i++) samples[i] = _preparer.PrepareTest(_images[start + i]);
        return BatchCollator.Collate(samples, _preparer.Options.SizeDivisibility, _withTargets);
    }

    /// <inheritdoc />
    public IEnumerator<ImageBatch> GetEnumerator()
    {
        if (BatchCount == 0) yield break;
        if (_prefetchDepth == 0)
        {
            for (var b = 0; b < BatchCount; b++) yield return BuildBatch(b);
            yield break;
        }
        using var prefetcher = new Prefetcher<ImageBatch>(BuildBatch, _prefetchDepth, BatchCount);
        for (var b = 0; b < BatchCount; b++) yield return prefetcher.Get(b);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
