using Research.Core.Runtime;
using Research.Core.SingleObjectTracking;
using SkiaSharp;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.SingleObjectTracking;

public class FrameImageTests
{
    public FrameImageTests() => TorchRuntime.EnsureLoaded();

    [Theory]
    [InlineData(SKColorType.Rgba8888)]
    [InlineData(SKColorType.Bgra8888)]
    public void BitmapsBecomePlanarRgbWhateverTheirByteOrder(SKColorType colorType)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(3, 2, colorType, SKAlphaType.Opaque));
        bitmap.Erase(new SKColor(10, 20, 30));
        bitmap.SetPixel(2, 1, new SKColor(200, 150, 100));
        using var scope = NewDisposeScope();
        var t = FrameImage.FromBitmap(bitmap);
        Assert.Equal(new long[] { 3, 2, 3 }, t.shape);
        Assert.Equal(new float[] { 10, 20, 30 }, t[.., 0, 0].data<float>().ToArray());
        Assert.Equal(new float[] { 200, 150, 100 }, t[.., 1, 2].data<float>().ToArray());
        using var back = FrameImage.ToBitmap(t);
        Assert.Equal(new SKColor(200, 150, 100), back.GetPixel(2, 1));
    }

    [Fact]
    public void UnreadableFilesAreNamed()
    {
        using var dir = new TempDir();
        var bad = dir.Sub("00000001.png");
        File.WriteAllText(bad, "not an image");
        Assert.Contains(bad, Assert.Throws<InvalidDataException>(() => FrameImage.Load(bad)).Message);
        Assert.Contains("absent.png", Assert.Throws<FileNotFoundException>(() => FrameImage.Load(dir.Sub("absent.png"))).Message);
    }
}
