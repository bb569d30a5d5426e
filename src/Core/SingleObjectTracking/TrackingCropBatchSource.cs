using Research.Core.Data;
using Research.Core.Data.Crops;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.SingleObjectTracking;

/// <summary>
/// Training batches of tracking mode: each image is a jittered target-centred crop of a random frame of a
/// random sequence, labelled with the target only (one class, index 0, "target"); other objects in the crop
/// (distractors) are background, the hard negatives a tracker must learn to reject. Batches are a pure
/// function of (seed, iteration), as <see cref="IBatchSource"/> requires for exact resume.
/// </summary>
public sealed class TrackingCropBatchSource : IBatchSource
{
    private readonly IReadOnlyList<TrackingSequence> _sequences;
    private readonly CropSettings _settings;
    private readonly int _seed;
    private readonly FrameNormalization _normalization;

    /// <summary>
    /// sequences: the training sequences; settings: crop context, output size S, label visibility and jitter;
    /// normalization: channel order, mean and std of the detector's input (the same <see cref="FrameNormalization"/>
    /// the tracker applies to frames, so training crops and tracking crops live in one input space).
    /// </summary>
    public TrackingCropBatchSource(IReadOnlyList<TrackingSequence> sequences, CropSettings settings, int batchSize, int seed,
        FrameNormalization normalization)
    {
        settings.Validate();
        normalization.Validate();
        if (sequences.Count == 0) throw new ArgumentException("no training sequences");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be ≥ 1");
        _sequences = sequences;
        _settings = settings;
        _seed = seed;
        _normalization = normalization;
        BatchSize = batchSize;
    }

    /// <inheritdoc />
    public int BatchSize { get; }

    /// <summary>
    /// The batch of an iteration: images (N, 3, S', S') normalised and zero-padded bottom/right to S' = S
    /// rounded up to a multiple of 32; targets boxes (M, 4) XYXY in crop pixels (M ≤ 1), classes (M) = 0.
    /// Image ids are iteration · N + n.
    /// </summary>
    public ImageBatch GetBatch(long iteration)
    {
        using var scope = NewDisposeScope();
        var size = _settings.OutputSize;
        var padded = (size + 31) / 32 * 32;
        var images = new List<Tensor>(BatchSize);
        var targets = new List<DetectionTarget>(BatchSize);
        for (var n = 0; n < BatchSize; n++)
        {
            var random = new Random(SampleSeed(_seed, iteration, n));
            var sequence = _sequences[random.Next(_sequences.Count)];
            var frameIndex = random.Next(sequence.Count);
            var frame = sequence.LoadFrame(frameIndex);
            var box = sequence.GroundTruth[frameIndex];
            // float64 until the crop frame, so the label is the exact map of the ground truth rounded once
            using var objects = new DetectionTarget(tensor(new[] { box.X1, box.Y1, box.X2, box.Y2 }, new long[] { 1, 4 }),
                tensor(new long[] { 0 }));
            var (crop, target, _) = CropTrainingSample.Make(frame, objects, 0, _settings, random);
            var normalised = _normalization.Apply(crop); // (3, S, S); frames load as RGB
            images.Add(nn.functional.pad(normalised, new long[] { 0, padded - size, 0, padded - size })); // (3, S', S')
            targets.Add(new DetectionTarget(target.Boxes.to_type(ScalarType.Float32).MoveToOuterDisposeScope(), target.Classes.MoveToOuterDisposeScope()));
        }
        var batch = stack(images, 0).MoveToOuterDisposeScope(); // (N, 3, S', S')
        var sizes = Enumerable.Repeat((size, size), BatchSize).ToArray();
        var ids = Enumerable.Range(0, BatchSize).Select(n => iteration * BatchSize + n).ToArray();
        return new ImageBatch(batch, sizes, sizes, ids, targets);
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }

    /// <summary>A seed from (seed, iteration, n) by fixed integer mixing (HashCode is randomised per process).</summary>
    internal static int SampleSeed(int seed, long iteration, int n)
    {
        unchecked
        {
            var h = (ulong)seed * 0x9E3779B97F4A7C15UL;
            h ^= (ulong)iteration + 0xBF58476D1CE4E5B9UL + (h << 6) + (h >> 2);
            h ^= (ulong)n + 0x94D049BB133111EBUL + (h << 6) + (h >> 2);
            h ^= h >> 31;
            h *= 0xD6E8FEB86659FD93UL;
            h ^= h >> 32;
            return (int)(h & 0x7FFFFFFF);
        }
    }
}
