using Research.Core.Data;
using Research.Core.Runtime;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Data;

public class BatchSourceTests
{
    public BatchSourceTests() => TorchRuntime.EnsureLoaded();

    private static readonly InputOptions SmallInput = new() { MinSizeTrain = new[] { 30, 45, 60 }, MaxSizeTrain = 100, MinSizeTest = 45, MaxSizeTest = 100 };

    private static float[] Pixels(ImageBatch b) => b.Images.data<float>().ToArray();

    [Fact]
    public void BatchIsAPureFunctionOfSeedAndIteration()
    {
        using var f = new DataFixture();
        var ds = CocoDataset.Load(f.Json("coco_valid.json"), f.Directory);
        using var a = new TrainBatchSource(ds, SmallInput, batchSize: 3, seed: 7);
        using var b = new TrainBatchSource(ds, SmallInput, batchSize: 3, seed: 7, prefetchDepth: 0);
        using var a5 = a.GetBatch(5);
        using var b5 = b.GetBatch(5);
        Assert.Equal(a5.ImageIds, b5.ImageIds);
        Assert.Equal(a5.Images.shape, b5.Images.shape);
        Assert.Equal(Pixels(a5), Pixels(b5));
        for (var i = 0; i < 3; i++) Assert.Equal(a5.Targets![i].Boxes.data<float>().ToArray(), b5.Targets![i].Boxes.data<float>().ToArray());
        // A different iteration (or seed) gives another batch: order, sizes or flips differ.
        using var a6 = a.GetBatch(6);
        Assert.False(a6.Images.shape.SequenceEqual(a5.Images.shape) && a6.ImageIds.SequenceEqual(a5.ImageIds) && Pixels(a6).SequenceEqual(Pixels(a5)));
        using var c = new TrainBatchSource(ds, SmallInput, batchSize: 3, seed: 8, prefetchDepth: 0);
        var differs = Enumerable.Range(0, 4).Any(i =>
        {
            using var x = a.GetBatch(i);
            using var y = c.GetBatch(i);
            return !x.Images.shape.SequenceEqual(y.Images.shape) || !Pixels(x).SequenceEqual(Pixels(y));
        });
        Assert.True(differs);
    }

    [Fact]
    public void JumpingBackToAnEarlierIterationRepeatsItExactly()
    {
        using var f = new DataFixture();
        var ds = CocoDataset.Load(f.Json("coco_valid.json"), f.Directory);
        using var source = new TrainBatchSource(ds, SmallInput, batchSize: 2, seed: 3);
        var first = new List<float[]>();
        for (var i = 0; i < 4; i++) { using var b = source.GetBatch(i); first.Add(Pixels(b)); }
        // A resume at iteration 2 restarts the prefetch there and sees the same batches.
        for (var i = 2; i < 4; i++) { using var b = source.GetBatch(i); Assert.Equal(first[i], Pixels(b)); }
    }

    [Fact]
    public void EveryEpochVisitsEachTrainingImageOnce()
    {
        using var f = new DataFixture();
        var ds = CocoDataset.Load(f.Json("coco_valid.json"), f.Directory);
        using var source = new TrainBatchSource(ds, SmallInput, batchSize: 3, seed: 11, prefetchDepth: 0);
        // 2 training images, batch 3: stream positions 0..5 are three epochs of 2.
        var stream = Enumerable.Range(0, 2).SelectMany(i => source.SampleImageIds(i)).ToArray();
        for (var e = 0; e < 3; e++) Assert.Equal(new long[] { 1, 2 }, stream.Skip(2 * e).Take(2).OrderBy(x => x));
        Assert.Equal(source.SampleImageIds(1), source.SampleImageIds(1));
    }

    [Fact]
    public void ProducerExceptionSurfacesOnTheCallerThreadAndTheStreamContinuesAfterwards()
    {
        using var p = new Prefetcher<DetectionTargetHolder>(i => i == 3 ? throw new InvalidOperationException($"broken item {i}") : new DetectionTargetHolder(i), depth: 2);
        var caller = Environment.CurrentManagedThreadId;
        for (var i = 0; i < 3; i++) { using var item = p.Get(i); Assert.Equal(i, item.Index); Assert.NotEqual(caller, item.Thread); }
        var e = Assert.Throws<InvalidOperationException>(() => p.Get(3));
        Assert.Equal("broken item 3", e.Message);
        using var after = p.Get(4);
        Assert.Equal(4, after.Index);
    }

    [Fact]
    public void DisposingStopsTheWorkerAndDisposesUnconsumedItems()
    {
        var produced = 0;
        var disposed = 0;
        var p = new Prefetcher<CountedItem>(i => { Interlocked.Increment(ref produced); return new CountedItem(() => Interlocked.Increment(ref disposed)); }, depth: 3);
        p.Get(0).Dispose();                                    // consumed and disposed by us
        SpinWait.SpinUntil(() => Volatile.Read(ref produced) >= 4, 5000);   // the worker fills the queue (3) ahead
        p.Dispose();
        var after = Volatile.Read(ref produced);
        Thread.Sleep(50);
        Assert.Equal(after, Volatile.Read(ref produced));      // the worker has stopped
        Assert.Equal(after, Volatile.Read(ref disposed));      // every item was disposed: ours and the queued ones
        Assert.InRange(after, 4, 5);                           // 1 consumed + 3 queued (+ 1 in flight when cancelled)
        Assert.Throws<ObjectDisposedException>(() => p.Get(1));
    }

    [Fact]
    public void MissingImageFileDuringTrainingIsReportedByIdOnTheCaller()
    {
        using var f = new DataFixture();
        var ds = CocoDataset.Load(f.Json("coco_valid.json"), f.Directory);
        File.Delete(Path.Combine(f.Directory, "b.png"));
        using var source = new TrainBatchSource(ds, SmallInput, batchSize: 2, seed: 1);
        var e = Assert.Throws<DatasetException>(() => { using var b = source.GetBatch(0); });
        Assert.Equal($"image id 2: image file not found: {Path.Combine(f.Directory, "b.png")}", e.Message);
    }

    [Fact]
    public void EvalLoaderGoesThroughAllImagesInOrderAtTestSizeWithoutFlip()
    {
        using var f = new DataFixture();
        var ds = CocoDataset.Load(f.Json("coco_valid.json"), f.Directory);
        var loader = new EvalBatchLoader(ds, SmallInput, batchSize: 3);
        Assert.Equal(2, loader.BatchCount);
        var batches = loader.ToList();
        try
        {
            Assert.Equal(new long[] { 1, 2, 5 }, batches[0].ImageIds);
            Assert.Equal(new long[] { 7 }, batches[1].ImageIds);
            Assert.Null(batches[0].Targets);
            // 40x30 at short 45 → 45x60; 20x20 → 45x45; padded to 64x64.
            Assert.Equal(new[] { (45, 60), (45, 60), (45, 45) }, batches[0].ImageSizes);
            Assert.Equal(new long[] { 3, 3, 64, 64 }, batches[0].Images.shape);
            // Not flipped: a.png's red block stays on the left (BGR red = 255 in channel 2; raw pixels, the detector normalises).
            Assert.Equal(255f, batches[0].Images[0, 2, 10, 10].item<float>());
        }
        finally
        {
            foreach (var b in batches) b.Dispose();
        }
    }

    [Fact]
    public void NoTrainingImageIsAClearError()
    {
        var e = Assert.Throws<DatasetException>(() => new TrainBatchSource(Array.Empty<CocoImage>(), new ImagePreparer(SmallInput), 2, 0, 0, "x.json"));
        Assert.Equal("x.json: no training image (every image lacks a non-crowd annotation)", e.Message);
    }

    private sealed class CountedItem(Action onDispose) : IDisposable
    {
        public void Dispose() => onDispose();
    }

    private sealed class DetectionTargetHolder(long index) : IDisposable
    {
        public long Index { get; } = index;
        public int Thread { get; } = Environment.CurrentManagedThreadId;
        public void Dispose() { }
    }
}
