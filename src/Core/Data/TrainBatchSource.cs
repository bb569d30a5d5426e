namespace Research.Core.Data;

/// <summary>
/// Training batches as a pure function of (seed, iteration) (DESIGN §4: one seed drives data order and
/// augmentation). The stream of samples is an endless concatenation of per-epoch permutations of the
/// training images, each drawn from (seed, epoch); batch i holds stream positions i·N … i·N + N − 1, so an
/// epoch boundary may fall inside a batch (like cvpods' infinite sampler). The augmentation of slot s of
/// batch i comes from (seed, i, s). Batches are built ahead on a background thread (<see cref="Prefetcher{T}"/>);
/// asking for any other iteration than the next (a resume) restarts the prefetch there.
/// </summary>
public sealed class TrainBatchSource : IBatchSource
{
    private const long OrderStream = 1;
    private const long AugmentStream = 2;
    private readonly IReadOnlyList<CocoImage> _images;
    private readonly ImagePreparer _preparer;
    private readonly long _seed;
    private readonly Prefetcher<ImageBatch>? _prefetcher;
    private readonly object _permGate = new();
    private (long Epoch, int[] Perm) _permCache = (-1, Array.Empty<int>());

    /// <summary>Creates the source over the training images of a dataset (images with non-crowd boxes).</summary>
    /// <param name="dataset">The dataset; its <see cref="CocoDataset.TrainingImages"/> are sampled.</param>
    /// <param name="input">Resize and flip settings.</param>
    /// <param name="batchSize">Images per batch N.</param>
    /// <param name="seed">The run's seed.</param>
    /// <param name="prefetchDepth">Batches built ahead in the background; 0 builds on the caller's thread.</param>
    public TrainBatchSource(CocoDataset dataset, InputOptions input, int batchSize, long seed, int prefetchDepth = 2)
        : this(dataset.TrainingImages, new ImagePreparer(input), batchSize, seed, prefetchDepth, dataset.AnnotationFile) { }

    /// <summary>Creates the source over an explicit list of images.</summary>
    /// <param name="images">Images to sample from (their non-crowd annotations become targets).</param>
    /// <param name="preparer">Decoding and transforms.</param>
    /// <param name="batchSize">Images per batch N.</param>
    /// <param name="seed">The run's seed.</param>
    /// <param name="prefetchDepth">Batches built ahead in the background; 0 builds on the caller's thread.</param>
    /// <param name="name">Named in error messages (e.g. the annotation file).</param>
    public TrainBatchSource(IReadOnlyList<CocoImage> images, ImagePreparer preparer, int batchSize, long seed,
        int prefetchDepth = 2, string name = "training set")
    {
        if (images.Count == 0) throw new DatasetException($"{name}: no training image (every image lacks a non-crowd annotation)");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be at least 1");
        if (prefetchDepth < 0) throw new ArgumentOutOfRangeException(nameof(prefetchDepth), prefetchDepth, "prefetch depth must be ≥ 0");
        _images = images;
        _preparer = preparer;
        BatchSize = batchSize;
        _seed = seed;
        if (prefetchDepth > 0) _prefetcher = new Prefetcher<ImageBatch>(BuildBatch, prefetchDepth);
    }

    /// <inheritdoc />
    public int BatchSize { get; }

    /// <summary>Number of images one epoch goes through.</summary>
    public int EpochSize => _images.Count;

    /// <summary>
    /// The batch of a 0-based iteration: images (N, 3, H, W) raw pixels padded to a multiple of the size
    /// divisibility, targets with boxes (M, 4) XYXY in each image's resized frame. The caller disposes it.
    /// </summary>
    public ImageBatch GetBatch(long iteration)
    {
        if (iteration < 0) throw new ArgumentOutOfRangeException(nameof(iteration), iteration, "iteration must be ≥ 0");
        return _prefetcher != null ? _prefetcher.Get(iteration) : BuildBatch(iteration);
    }

    /// <summary>Indices into the image list of the N samples of an iteration (a pure function of seed and iteration).</summary>
    public int[] SampleIndices(long iteration)
    {
        var n = _images.Count;
        var result = new int[BatchSize];
        for (var s = 0; s < BatchSize; s++)
        {
            var position = iteration * BatchSize + s;
            result[s] = Permutation(position / n)[(int)(position % n)];
        }
        return result;
    }

    /// <summary>The image ids of an iteration's batch, in batch order.</summary>
    public long[] SampleImageIds(long iteration) => SampleIndices(iteration).Select(i => _images[i].Id).ToArray();

    private int[] Permutation(long epoch)
    {
        lock (_permGate)
        {
            if (_permCache.Epoch != epoch) _permCache = (epoch, new DeterministicRandom(_seed, OrderStream, epoch).Permutation(_images.Count));
            return _permCache.Perm;
        }
    }

    /// <summary>Builds a batch synchronously (what the prefetch thread runs).</summary>
    internal ImageBatch BuildBatch(long iteration)
    {
        var indices = SampleIndices(iteration);
        var samples = new DetectionSample[indices.Length];
        for (var s = 0; s < indices.Length; s++)
            samples[s] = _preparer.PrepareTrain(_images[indices[s]], new DeterministicRandom(_seed, AugmentStream, iteration, s));
        return BatchCollator.Collate(samples, _preparer.Options.SizeDivisibility, withTargets: true);
    }

    /// <inheritdoc />
    public void Dispose() => _prefetcher?.Dispose();
}
