using Research.Core.Data.Crops;
using Research.Core.Runtime;
using Research.Core.SingleObjectTracking;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.SingleObjectTracking;

public class TrackingCropBatchSourceTests
{
    public TrackingCropBatchSourceTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void BatchesAreJitteredTargetCropsRepeatableByIteration()
    {
        using var dir = new TempDir();
        var spec = new SyntheticSequenceSpec(Seed: 5, Frames: 6, Width: 96, Height: 72, MinTargetSize: 10, MaxTargetSize: 16, Distractors: 1);
        var sequences = SyntheticSequenceSet.Ensure(dir.Path, spec, 2).Select(SequenceFolder.Read).ToArray();
        var settings = new CropSettings(2, 48, 0.5, new CropJitter(0.2, 0.2));
        float[] mean = { 120, 110, 100 }, std = { 50, 60, 70 };
        using var source = new TrackingCropBatchSource(sequences, settings, 3, 42, new FrameNormalization(mean, std, Bgr: false));
        using var sourceBgr = new TrackingCropBatchSource(sequences, settings, 3, 42, new FrameNormalization(mean.Reverse().ToArray(), std.Reverse().ToArray(), Bgr: true));
        using var scope = NewDisposeScope();
        using var a = source.GetBatch(7);
        using var b = source.GetBatch(7);
        using var c = source.GetBatch(8);
        using var bgr = sourceBgr.GetBatch(7);
        Assert.True(bgr.Images.allclose(a.Images.flip(1), rtol: 0, atol: 1e-6)); // same crops, channels reversed
        Assert.Equal(new long[] { 3, 3, 64, 64 }, a.Images.shape); // 48 padded to 64
        Assert.True(a.Images.equal(b.Images).all().item<bool>());
        Assert.False(a.Images.equal(c.Images).all().item<bool>());
        Assert.Equal(new long[] { 21, 22, 23 }, a.ImageIds);
        Assert.Equal((48, 48), a.ImageSizes[0]);
        Assert.Equal(0f, a.Images[.., .., 48.., ..].abs().max().item<float>());
        Assert.Equal(0f, a.Images[.., .., .., 48..].abs().max().item<float>());

        for (var n = 0; n < 3; n++)
        {
            // the same draws, in the documented order: sequence, frame, jitter (x, y, scale)
            var random = new Random(TrackingCropBatchSource.SampleSeed(42, 7, n));
            var seq = sequences[random.Next(sequences.Length)];
            var t = random.Next(seq.Count);
            var map = CropRegion.Around(seq.GroundTruth[t], 2, 48, settings.Jitter.Sample(random));
            var expectedBox = CropBoxMapping.FrameToCrop(map, new[] { seq.GroundTruth[t] }, 0.5);
            var target = a.Targets![n];
            Assert.Equal(expectedBox.Count, (int)target.Count);
            Assert.Equal(1, (int)target.Count); // the jittered centre stays in the crop, so the target is kept
            Assert.Equal(0L, target.Classes[0].item<long>());
            Assert.Equal((float)expectedBox[0].Box.X1, target.Boxes[0, 0].item<float>());
            Assert.Equal((float)expectedBox[0].Box.Y2, target.Boxes[0, 3].item<float>());
            var crop = TargetCrop.Extract(seq.LoadFrame(t), map);
            var expected = (crop - tensor(mean).reshape(3, 1, 1)) / tensor(std).reshape(3, 1, 1);
            Assert.True(a.Images[n, .., ..48, ..48].allclose(expected, rtol: 0, atol: 1e-5));
        }
        Assert.Throws<ArgumentException>(() => new TrackingCropBatchSource(sequences, settings, 3, 1, new FrameNormalization(new float[] { 1, 2 }, std, Bgr: true)));
    }
}
