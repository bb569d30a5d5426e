using Research.Core.Visualization;
using System.Globalization;
using SkiaSharp;

namespace Research.Core.SingleObjectTracking;

/// <summary>
/// The OTB success plot as a PNG: success rate against the IoU threshold (0..1), one line per tracker, the
/// legend giving each AUC, as benchmark papers show it. Drawn with SkiaSharp so Core needs no plotting
/// package (the F# side may use ScottPlot for richer plots).
/// </summary>
public static class SuccessPlot
{
    private static readonly SKColor[] Palette =
    {
        new(214, 39, 40), new(31, 119, 180), new(44, 160, 44), new(255, 127, 14), new(148, 103, 189), new(140, 86, 75),
    };

    /// <summary>Writes the plot; curves: (legend name, result) with 21-point success curves.</summary>
    public static void Save(string path, IReadOnlyList<(string Name, OnePassResult Result)> curves, string title = "Success plot of OPE",
        int width = 640, int height = 480)
    {
        if (curves.Count == 0) throw new ArgumentException("no curves to plot");
        using var bitmap = Render(curves, title, width, height);
        FrameImage.SavePng(bitmap, path);
    }

    /// <summary>Renders the plot to a bitmap (the caller disposes it).</summary>
    public static SKBitmap Render(IReadOnlyList<(string Name, OnePassResult Result)> curves, string title, int width, int height)
    {
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var font = PictureFont.Create(13);
        using var titleFont = PictureFont.Create(16);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var grid = new SKPaint { Color = new SKColor(220, 220, 220), StrokeWidth = 1, Style = SKPaintStyle.Stroke };
        using var axis = new SKPaint { Color = SKColors.Black, StrokeWidth = 1.5f, Style = SKPaintStyle.Stroke, IsAntialias = true };

        float left = 60, right = width - 20, top = 40, bottom = height - 50;
        float X(double t) => left + (float)t * (right - left);
        float Y(double v) => bottom - (float)v * (bottom - top);
        for (var i = 0; i <= 10; i++)
        {
            var v = i / 10.0;
            canvas.DrawLine(X(v), top, X(v), bottom, grid);
            canvas.DrawLine(left, Y(v), right, Y(v), grid);
            var label = v.ToString("0.0", CultureInfo.InvariantCulture);
            canvas.DrawText(label, X(v), bottom + 18, SKTextAlign.Center, font, ink);
            canvas.DrawText(label, left - 8, Y(v) + 4, SKTextAlign.Right, font, ink);
        }
        canvas.DrawRect(left, top, right - left, bottom - top, axis);
        canvas.DrawText(title, (left + right) / 2, top - 14, SKTextAlign.Center, titleFont, ink);
        canvas.DrawText("Overlap threshold", (left + right) / 2, height - 12, SKTextAlign.Center, font, ink);
        canvas.Save();
        canvas.RotateDegrees(-90, 16, (top + bottom) / 2);
        canvas.DrawText("Success rate", 16, (top + bottom) / 2 + 4, SKTextAlign.Center, font, ink);
        canvas.Restore();

        var order = Enumerable.Range(0, curves.Count).OrderByDescending(i => curves[i].Result.SuccessAuc).ToArray();
        var thresholds = OnePassEvaluation.SuccessThresholds;
        foreach (var k in order)
        {
            using var line = LinePaint(k);
            using var path = new SKPath();
            var curve = curves[k].Result.SuccessCurve;
            for (var i = 0; i < curve.Count; i++)
            {
                var p = new SKPoint(X(thresholds[i]), Y(curve[i]));
                if (i == 0) path.MoveTo(p); else path.LineTo(p);
            }
            canvas.DrawPath(path, line);
        }
        // legend over the curves, best AUC first, bottom-left (success curves fall to the right)
        var legendWidth = curves.Max(c => font.MeasureText(LegendText(c.Name, c.Result))) + 56;
        using (var legendBack = new SKPaint { Color = new SKColor(255, 255, 255, 225) })
            canvas.DrawRect(left + 6, bottom - 8 - 20 * order.Length, legendWidth, 20 * order.Length + 2, legendBack);
        for (var k = 0; k < order.Length; k++)
        {
            using var line = LinePaint(order[k]);
            var ly = bottom - 14 - 20 * (order.Length - 1 - k);
            canvas.DrawLine(left + 12, ly - 4, left + 40, ly - 4, line);
            canvas.DrawText(LegendText(curves[order[k]].Name, curves[order[k]].Result), left + 46, ly, SKTextAlign.Left, font, ink);
        }
        canvas.Flush();
        return bitmap;
    }

    private static SKPaint LinePaint(int index) =>
        new() { Color = Palette[index % Palette.Length], StrokeWidth = 2.5f, Style = SKPaintStyle.Stroke, IsAntialias = true };

    private static string LegendText(string name, OnePassResult result) =>
        string.Create(CultureInfo.InvariantCulture, $"{name} [{result.SuccessAuc:0.000}]");
}
