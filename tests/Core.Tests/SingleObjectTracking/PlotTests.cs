using Research.Core.Data;
using Research.Core.Data.Crops;
using Research.Core.Runtime;
using Research.Core.SingleObjectTracking;
using SkiaSharp;
using Xunit;

namespace Research.Core.Tests.SingleObjectTracking;

public class PlotTests
{
    public PlotTests() => TorchRuntime.EnsureLoaded();

    private static OnePassResult Result(params double[] ious)
    {
        var truth = new BoxXyxy(0, 0, 100, 10);
        // a box shifted right keeps height 10: IoU = (100 − d) / (100 + d) → d = 100 (1 − iou) / (1 + iou)
        var predicted = ious.Select(v => { var d = 100 * (1 - v) / (1 + v); return new BoxXyxy(d, 0, 100 + d, 10); }).ToArray();
        return OnePassEvaluation.Evaluate(predicted, Enumerable.Repeat(truth, ious.Length).ToArray());
    }

    [Fact]
    public void SuccessPlotDrawsEachCurveInItsColourAndVisibleText()
    {
        using var dir = new TempDir();
        var path = dir.Sub("success.png");
        SuccessPlot.Save(path, new[] { ("tracker", Result(0.9, 0.8, 0.7)), ("fixed box", Result(1, 0.2, 0.05)) });
        using var png = SKBitmap.Decode(path);
        Assert.Equal((640, 480), (png.Width, png.Height));
        // plot area x ∈ [60, 620], y ∈ [40, 430]: at t = 0.5 the tracker's curve is at 1 → y = 40, red
        var atHalf = Enumerable.Range(38, 5).Select(y => png.GetPixel(340, y)).ToArray();
        Assert.Contains(atHalf, c => c.Red > 180 && c.Green < 90 && c.Blue < 90);
        // the fixed box's curve is at 1/3 for t in (0.2, 1): y = 430 − 390/3 = 300, blue, at t = 0.6
        var blue = Enumerable.Range(297, 7).Select(y => png.GetPixel(X(0.6), y)).ToArray();
        Assert.Contains(blue, c => c.Blue > 150 && c.Red < 80);
        // title text: dark pixels above the plot area
        var dark = 0;
        for (var x = 200; x < 440; x++) for (var y = 10; y < 32; y++) if (png.GetPixel(x, y).Red < 100) dark++;
        Assert.True(dark > 50, $"{dark} dark title pixels");
    }

    private static int X(double t) => (int)(60 + t * 560);

    [Fact]
    public void FrameStripDrawsTruthAndPredictionOnEachThumbnail()
    {
        using var dir = new TempDir();
        var truth = new[] { new BoxXyxy(10, 10, 50, 40), new BoxXyxy(20, 20, 60, 50), new BoxXyxy(30, 30, 70, 60) };
        var predicted = new[] { new BoxXyxy(10, 10, 50, 40), new BoxXyxy(100, 5, 150, 45), new BoxXyxy(100, 5, 150, 45) };
        SKBitmap Grey(int _)
        {
            var b = new SKBitmap(new SKImageInfo(200, 100, SKColorType.Rgba8888, SKAlphaType.Opaque));
            b.Erase(new SKColor(128, 128, 128));
            return b;
        }
        var frames = FrameStrip.EvenlySpaced(3, 8);
        Assert.Equal(new[] { 0, 1, 2 }, frames);
        Assert.Equal(new[] { 0, 3, 6, 9 }, FrameStrip.EvenlySpaced(10, 4));
        var path = dir.Sub("strip.png");
        FrameStrip.Save(path, frames, Grey, truth, predicted, thumbHeight: 50); // scale 0.5: thumbs 100 wide
        using var png = SKBitmap.Decode(path);
        Assert.Equal((3 * 100 + 2 * 4, 50), (png.Width, png.Height));
        // frame 2 (third thumb starts at x = 208): truth left edge at 208 + 15, prediction top edge at y = 2.5
        var green = png.GetPixel(208 + 15, 22);
        Assert.True(green.Green > 150 && green.Red < 80, $"truth edge {green}");
        var red = png.GetPixel(208 + 62, 2);
        Assert.True(red.Red > 150 && red.Green < 80, $"prediction edge {red}");
        Assert.Equal(new SKColor(128, 128, 128), png.GetPixel(208 + 40, 40));
    }
}
