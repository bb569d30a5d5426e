using Research.Core.Visualization;
using Research.Core.Data;
using System.Globalization;
using Research.Core.Data.Crops;
using SkiaSharp;

namespace Research.Core.SingleObjectTracking;

/// <summary>
/// A PNG strip of frames side by side, each with the true box (green) and the predicted box (red) and its
/// frame number, for a quick look at where a tracker drifts.
/// </summary>
public static class FrameStrip
{
    /// <summary>Ground-truth box colour (green).</summary>
    public static readonly SKColor TruthColor = new(0, 200, 0);

    /// <summary>Predicted box colour (red).</summary>
    public static readonly SKColor PredictionColor = new(230, 20, 20);

    /// <summary>
    /// Evenly spaced frame indices (first and last included) for a strip of at most count frames.
    /// </summary>
    public static IReadOnlyList<int> EvenlySpaced(int frameCount, int count)
    {
        if (frameCount <= 0 || count <= 0) return Array.Empty<int>();
        if (count >= frameCount) return Enumerable.Range(0, frameCount).ToArray();
        if (count == 1) return new[] { 0 };
        return Enumerable.Range(0, count).Select(i => (int)Math.Round(i * (frameCount - 1) / (double)(count - 1))).Distinct().ToArray();
    }

    /// <summary>
    /// Writes the strip: loadFrame(i) gives frame i as a bitmap (disposed here), truth and predicted are
    /// per-frame boxes (XYXY frame pixels; predicted may be null to draw the truth only). Each frame is scaled
    /// to thumbHeight pixels high.
    /// </summary>
    public static void Save(string path, IReadOnlyList<int> frames, Func<int, SKBitmap> loadFrame, IReadOnlyList<BoxXyxy> truth,
        IReadOnlyList<BoxXyxy>? predicted, int thumbHeight = 160)
    {
        using var strip = Render(frames, loadFrame, truth, predicted, thumbHeight);
        FrameImage.SavePng(strip, path);
    }

    /// <summary>Renders the strip to a bitmap (the caller disposes it).</summary>
    public static SKBitmap Render(IReadOnlyList<int> frames, Func<int, SKBitmap> loadFrame, IReadOnlyList<BoxXyxy> truth,
        IReadOnlyList<BoxXyxy>? predicted, int thumbHeight = 160)
    {
        if (frames.Count == 0) throw new ArgumentException("no frames to draw");
        const int gap = 4;
        var thumbs = new List<SKBitmap>();
        try
        {
            foreach (var i in frames) thumbs.Add(loadFrame(i));
            var scales = thumbs.Select(t => thumbHeight / (float)t.Height).ToArray();
            var widths = thumbs.Select((t, k) => (int)Math.Round(t.Width * scales[k])).ToArray();
            var strip = new SKBitmap(new SKImageInfo(widths.Sum() + gap * (frames.Count - 1), thumbHeight, SKColorType.Rgba8888, SKAlphaType.Opaque));
            using var canvas = new SKCanvas(strip);
            canvas.Clear(SKColors.White);
            using var font = PictureFont.Create(12);
            using var text = new SKPaint { Color = SKColors.White, IsAntialias = true };
            using var shade = new SKPaint { Color = new SKColor(0, 0, 0, 150) };
            using var sampling = new SKPaint { IsAntialias = true };
            float x = 0;
            for (var k = 0; k < frames.Count; k++)
            {
                var s = scales[k];
                canvas.DrawBitmap(thumbs[k], new SKRect(x, 0, x + widths[k], thumbHeight), sampling);
                canvas.Save();
                canvas.ClipRect(new SKRect(x, 0, x + widths[k], thumbHeight)); // a box leaving its frame stays off the neighbour
                DrawBox(canvas, truth[frames[k]], x, s, TruthColor);
                if (predicted != null) DrawBox(canvas, predicted[frames[k]], x, s, PredictionColor);
                canvas.Restore();
                var label = "#" + (frames[k] + 1).ToString(CultureInfo.InvariantCulture);
                canvas.DrawRect(x, 0, font.MeasureText(label) + 8, 17, shade);
                canvas.DrawText(label, x + 4, 13, SKTextAlign.Left, font, text);
                x += widths[k] + gap;
            }
            canvas.Flush();
            return strip;
        }
        finally
        {
            foreach (var t in thumbs) t.Dispose();
        }
    }

    private static void DrawBox(SKCanvas canvas, BoxXyxy b, float x0, float scale, SKColor color)
    {
        using var paint = new SKPaint { Color = color, Style = SKPaintStyle.Stroke, StrokeWidth = 2, IsAntialias = true };
        canvas.DrawRect(new SKRect(x0 + (float)b.X1 * scale, (float)b.Y1 * scale, x0 + (float)b.X2 * scale, (float)b.Y2 * scale), paint);
    }
}
