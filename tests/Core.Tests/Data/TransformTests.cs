using Research.Core.Data;
using Research.Core.Runtime;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Data;

public class TransformTests
{
    public TransformTests() => TorchRuntime.EnsureLoaded();

    [Theory]
    // 480x640, short 800: scale 5/3 → 800 x 1066.67 → int(1067.17) = 1067.
    [InlineData(480, 640, 800, 1333, 800, 1067)]
    // 300x1000, short 800: 800 x 2666.67 > 1333 → ×1333/2666.67 → 399.9 x 1333 → 400 x 1333.
    [InlineData(300, 1000, 800, 1333, 400, 1333)]
    // portrait 640x480: w is the short side → 1066.67 x 800.
    [InlineData(640, 480, 800, 1333, 1067, 800)]
    [InlineData(192, 192, 192, 1333, 192, 192)]
    // 427x640 at short 640: 640 x 959.25 → 959.
    [InlineData(427, 640, 640, 1333, 640, 959)]
    public void ResizeShortestEdgeRoundsLikeTheReference(int h, int w, int shortEdge, int max, int eh, int ew) =>
        Assert.Equal((eh, ew), ResizeShortestEdge.OutputSize(h, w, shortEdge, max));

    [Fact]
    public void BoxesFollowResizeAndFlipAndFlipTwiceIsIdentity()
    {
        var box = new BoxXyxy(2, 3, 12, 11);
        // 40x30 image → 80x60: every coordinate doubles.
        Assert.Equal(new BoxXyxy(4, 6, 24, 22), ResizeShortestEdge.ResizeBox(box, 30, 40, 60, 80));
        // x → 40 − x.
        Assert.Equal(new BoxXyxy(28, 3, 38, 11), HorizontalFlip.FlipBox(box, 40));
        Assert.Equal(box, HorizontalFlip.FlipBox(HorizontalFlip.FlipBox(box, 40), 40));
        using var img = arange(2 * 3 * 4, dtype: ScalarType.Float32).reshape(2, 3, 4);
        using var once = HorizontalFlip.FlipImage(img);
        using var twice = HorizontalFlip.FlipImage(once);
        Assert.Equal(new float[] { 3, 2, 1, 0 }, once[0, 0].data<float>().ToArray());
        Assert.Equal(img.data<float>().ToArray(), twice.data<float>().ToArray());
    }

    [Fact]
    public void PreparedSampleKeepsThePixelsInsideItsTransformedBox()
    {
        using var f = new DataFixture();
        var ds = CocoDataset.Load(f.Json("coco_valid.json"), f.Directory);
        var input = new InputOptions { MinSizeTrain = new[] { 60 }, MaxSizeTrain = 1000, PixelMean = new[] { 10.0, 20.0, 30.0 }, PixelStd = new[] { 2.0, 4.0, 5.0 } };
        var preparer = new ImagePreparer(input);
        // a.png is 40x30 with a red block exactly at annotation 10's box [2, 3, 12, 11]; short side 30 → 60: ×2.
        var s = preparer.Prepare(ds.Image(1), 60, 1000, flip: true);
        Assert.Equal((60, 80), s.ImageSize);
        Assert.Equal((30, 40), s.OriginalSize);
        Assert.True(s.Flipped);
        // Annotation 10 (dog, class 2) → ×2 → [4, 6, 24, 22] → flipped in width 80 → [56, 6, 76, 22].
        var i10 = s.Classes.ToList().IndexOf(2);
        Assert.Equal(new BoxXyxy(56, 6, 76, 22), s.Boxes[i10]);
        // Annotation 11 (cat) [20, 5, 35, 25] → [40, 10, 70, 50] → flipped → [10, 10, 40, 50].
        Assert.Equal(new BoxXyxy(10, 10, 40, 50), s.Boxes[s.Classes.ToList().IndexOf(0)]);
        // The centre of the red block's box is red: BGR (0, 0, 255), raw (the detector normalises by mean/std).
        var px = new[] { s.Pixel(0, 14, 66), s.Pixel(1, 14, 66), s.Pixel(2, 14, 66) };
        Assert.Equal(new[] { 0f, 0f, 255f }, px);
        // Outside it the background grey 90.
        var bg = new[] { s.Pixel(0, 40, 4), s.Pixel(1, 40, 4), s.Pixel(2, 40, 4) };
        Assert.Equal(new[] { 90f, 90f, 90f }, bg);
    }

    [Fact]
    public void RgbOptionKeepsChannelOrderAndTestPreparationDoesNotFlip()
    {
        using var f = new DataFixture();
        var ds = CocoDataset.Load(f.Json("coco_valid.json"), f.Directory);
        var preparer = new ImagePreparer(new InputOptions { Format = ChannelOrder.Rgb, MinSizeTest = 30, MaxSizeTest = 1333, PixelMean = new[] { 0.0, 0.0, 0.0 } });
        var s = preparer.PrepareTest(ds.Image(1));
        Assert.False(s.Flipped);
        Assert.Equal((30, 40), s.ImageSize);
        Assert.Equal(new[] { 255f, 0f, 0f }, new[] { s.Pixel(0, 5, 5), s.Pixel(1, 5, 5), s.Pixel(2, 5, 5) });
        Assert.Equal(new BoxXyxy(2, 3, 12, 11), s.Boxes[s.Classes.ToList().IndexOf(2)]);
        // The crowd box of image 2 is not a target; its non-crowd box is.
        var s2 = preparer.PrepareTest(ds.Image(2));
        Assert.Equal(new[] { 1 }, s2.Classes);
    }

    [Fact]
    public void BatchIsPaddedBottomRightWithZerosToAMultipleOf32()
    {
        Assert.Equal((128, 224), BatchCollator.PaddedSize(new[] { (100, 130), (90, 200) }, 32));
        Assert.Equal((32, 64), BatchCollator.PaddedSize(new[] { (32, 64) }, 32));
        var a = new DetectionSample(1, Enumerable.Repeat(1f, 3 * 30 * 40).ToArray(), 30, 40, (30, 40), new[] { new BoxXyxy(1, 2, 3, 4) }, new[] { 2 }, false);
        var b = new DetectionSample(2, Enumerable.Repeat(2f, 3 * 50 * 20).ToArray(), 50, 20, (50, 20), Array.Empty<BoxXyxy>(), Array.Empty<int>(), false);
        using var batch = BatchCollator.Collate(new[] { a, b }, 32, withTargets: true);
        Assert.Equal(new long[] { 2, 3, 64, 64 }, batch.Images.shape);
        Assert.Equal(new[] { (30, 40), (50, 20) }, batch.ImageSizes);
        Assert.Equal(1f, batch.Images[0, 2, 29, 39].item<float>());
        Assert.Equal(0f, batch.Images[0, 2, 30, 39].item<float>());
        Assert.Equal(0f, batch.Images[0, 0, 29, 40].item<float>());
        Assert.Equal(3 * 30 * 40 * 1f + 3 * 50 * 20 * 2f, batch.Images.sum().item<float>());
        Assert.Equal(new float[] { 1, 2, 3, 4 }, batch.Targets![0].Boxes.data<float>().ToArray());
        Assert.Equal(new long[] { 2 }, batch.Targets[0].Classes.data<long>().ToArray());
        Assert.Equal(new long[] { 0, 4 }, batch.Targets[1].Boxes.shape);
        Assert.Equal(new long[] { 1, 2 }, batch.ImageIds);
    }

    [Fact]
    public void ResizeOfAConstantImageStaysConstantAndUpscalingIsBilinear()
    {
        var c = ResizeShortestEdge.ResizeImage(Enumerable.Repeat(77f, 3 * 30 * 40).ToArray(), 30, 40, 45, 60);
        Assert.Equal(3 * 45 * 60, c.Length);
        Assert.All(c, v => Assert.Equal(77f, v));
        // A 1x2 ramp [0, 100] doubled to 1x4: bilinear, align_corners = False → [0, 25, 75, 100].
        var up = ImageResampler.Resize(new float[] { 0, 100, 0, 100, 0, 100 }, 3, 1, 2, 1, 4);
        Assert.Equal(new float[] { 0, 25, 75, 100 }, up.Take(4));
    }

    [Theory]
    [InlineData(37, 53, 20, 29)]   // down by ~1.85 (the filter widens)
    [InlineData(37, 53, 61, 80)]   // up
    [InlineData(40, 40, 13, 40)]   // one axis only
    public void ResamplerAgreesWithTorchAntialiasedBilinear(int h, int w, int nh, int nw)
    {
        var rng = new DeterministicRandom(9, h, w);
        var data = Enumerable.Range(0, 3 * h * w).Select(_ => (float)rng.Uniform(0, 255)).ToArray();
        var ours = ImageResampler.Resize(data, 3, h, w, nh, nw);
        using var input = tensor(data).reshape(1, 3, h, w);
        using var theirs = nn.functional.interpolate(input, size: new long[] { nh, nw }, mode: InterpolationMode.Bilinear, align_corners: false, antialias: true);
        var expected = theirs.data<float>().ToArray();
        Assert.Equal(expected.Length, ours.Length);
        Assert.True(expected.Zip(ours).Max(p => Math.Abs(p.First - p.Second)) < 1e-3f);
    }
}
