using Research.Core.Runtime;
using System.Globalization;
using Research.Core.Data;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Visualization;

/// <summary>The input image under an assignment picture: the image (model input frame) and what to mark on it.</summary>
/// <param name="Image">The image, in the resized input frame the shifts live in.</param>
/// <param name="GtBoxes">Per GT: its box, XYXY pixels of that frame.</param>
/// <param name="GtClasses">Per GT: its contiguous class (box colour).</param>
/// <param name="Strides">Per level: its stride, so a shift (x, y) of level l sits at ((x + offset)·s, (y + offset)·s).</param>
/// <param name="Offset">Shift offset within a cell (DeFCN: 0.5).</param>
public sealed record AssignmentImage(SKBitmap Image, IReadOnlyList<BoxXyxy> GtBoxes, IReadOnlyList<int> GtClasses,
    IReadOnlyList<int> Strides, double Offset = 0.5);

/// <summary>How an assignment picture looks.</summary>
public sealed record AssignmentPictureOptions
{
    /// <summary>Row titles per GT (e.g. "ring #3"); default "GT g".</summary>
    public IReadOnlyList<string>? GtLabels { get; init; }

    /// <summary>Column titles per level; default "P3", "P4", ….</summary>
    public IReadOnlyList<string>? LevelNames { get; init; }

    /// <summary>At most this many GTs (rows), the first ones. Default 8.</summary>
    public int MaxGts { get; init; } = 8;

    /// <summary>Height of each heat map panel, pixels. Default 128.</summary>
    public int PanelSize { get; init; } = 128;

    /// <summary>Scale each GT's colours to its own maximum quality (true, default) or use the fixed range 0..1.</summary>
    public bool NormalisePerGt { get; init; } = true;

    /// <summary>Optional image column on the left with each GT's box and chosen shift.</summary>
    public AssignmentImage? Image { get; init; }
}

/// <summary>
/// What POTO did, as a picture (paper §3.2): one row per GT; per FPN level a heat map of that GT's
/// candidate quality q = p^(1−α)·IoU^α over the level's shifts, cells outside the centre-sampling prior
/// (quality −1) in dark grey, the shift the one-to-one assignment chose outlined in white. Inputs are plain
/// arrays, so any code computing the quality matrix can draw it.
/// </summary>
public static class AssignmentPicture
{
    private const int Margin = 6;
    private const int Gap = 6;
    private const int TitleHeight = 16;
    private const int LegendHeight = 30;

    private static readonly byte[] ViridisStops = { 68, 1, 84, 59, 82, 139, 33, 145, 140, 94, 201, 98, 253, 231, 37 };

    /// <summary>Outside-prior colour (quality &lt; 0).</summary>
    public static readonly SKColor OutsideColour = new(60, 60, 60);

    /// <summary>
    /// Draws and writes the PNG. <paramref name="quality"/> is (M, R) with R = Σ H_l·W_l in level order,
    /// row-major inside a level; <paramref name="chosen"/> holds per GT the chosen shift index in 0..R−1, or −1.
    /// </summary>
    public static void Write(string outputPng, float[,] quality, IReadOnlyList<(int Height, int Width)> levelSizes,
        IReadOnlyList<long> chosen, AssignmentPictureOptions? options = null)
    {
        using var bitmap = Draw(quality, levelSizes, chosen, options);
        DetectionPicture.SavePng(bitmap, outputPng);
    }

    /// <summary>Tensor form of <see cref="Write(string, float[,], IReadOnlyList{ValueTuple{int, int}}, IReadOnlyList{long}, AssignmentPictureOptions?)"/>: quality (M, R), chosen (M) int64.</summary>
    public static void Write(string outputPng, Tensor quality, IReadOnlyList<(int Height, int Width)> levelSizes, Tensor chosen,
        AssignmentPictureOptions? options = null)
    {
        if (quality.dim() != 2) throw new ArgumentException($"quality must be (M, R), got ({string.Join(", ", quality.shape)})");
        using var q = quality.to_type(ScalarType.Float32).cpu().contiguous();
        using var c = chosen.to_type(ScalarType.Int64).cpu();
        var (m, r) = ((int)q.shape[0], (int)q.shape[1]);
        var flat = HostCopy.Floats(q);
        var array = new float[m, r];
        Buffer.BlockCopy(flat, 0, array, 0, flat.Length * sizeof(float));
        Write(outputPng, array, levelSizes, HostCopy.Longs(c), options);
    }

    /// <summary>Draws the picture (caller disposes the bitmap).</summary>
    public static SKBitmap Draw(float[,] quality, IReadOnlyList<(int Height, int Width)> levelSizes, IReadOnlyList<long> chosen,
        AssignmentPictureOptions? options = null)
    {
        options ??= new AssignmentPictureOptions();
        var (m, r) = (quality.GetLength(0), quality.GetLength(1));
        var total = levelSizes.Sum(s => s.Height * s.Width);
        if (total != r) throw new ArgumentException($"quality has R = {r} shifts but the level sizes sum to {total}");
        if (chosen.Count != m) throw new ArgumentException($"{chosen.Count} chosen shifts for M = {m} GTs");
        var layout = new Layout(options, levelSizes, Math.Min(m, options.MaxGts));
        var bitmap = new SKBitmap(new SKImageInfo(layout.Width, layout.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var font = PictureFont.Create(11);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var fill = new SKPaint { Style = SKPaintStyle.Fill, IsAntialias = false };
        using var mark = DetectionPicture.Stroke(SKColors.White, 2);

        for (var l = 0; l < levelSizes.Count; l++)
        {
            var name = options.LevelNames != null && l < options.LevelNames.Count ? options.LevelNames[l] : $"P{l + 3}";
            var (x0, _) = layout.PanelOrigin(0, l);
            canvas.DrawText($"{name} {levelSizes[l].Height}x{levelSizes[l].Width}", x0, TitleHeight - 4, SKTextAlign.Left, font, ink);
        }
        for (var g = 0; g < layout.Rows; g++)
        {
            var max = 0f;
            for (var i = 0; i < r; i++) max = Math.Max(max, quality[g, i]);
            var top = options.NormalisePerGt && max > 0 ? max : 1f;
            var label = options.GtLabels != null && g < options.GtLabels.Count ? options.GtLabels[g] : $"GT {g}";
            var (_, rowY) = layout.PanelOrigin(g, 0);
            canvas.DrawText(string.Create(CultureInfo.InvariantCulture, $"{label}  max q {max:0.000}  chosen {chosen[g]}"),
                Margin, rowY - 3, SKTextAlign.Left, font, ink);
            var start = 0;
            for (var l = 0; l < levelSizes.Count; l++)
            {
                var (h, w) = levelSizes[l];
                for (var y = 0; y < h; y++)
                    for (var x = 0; x < w; x++)
                    {
                        var v = quality[g, start + y * w + x];
                        fill.Color = v < 0 ? OutsideColour : Viridis(v / top);
                        canvas.DrawRect(layout.CellRect(g, l, y, x), fill);
                    }
                if (chosen[g] >= start && chosen[g] < start + h * w)
                {
                    var idx = (int)(chosen[g] - start);
                    canvas.DrawRect(layout.CellRect(g, l, idx / w, idx % w), mark);
                }
                start += h * w;
            }
            if (options.Image is { } context) DrawImagePanel(canvas, layout, g, context, levelSizes, chosen[g]);
        }
        DrawLegend(canvas, layout, font, ink, fill);
        return bitmap;
    }

    /// <summary>Colour of a normalised quality in [0, 1] (viridis, 5 stops, linear in between).</summary>
    public static SKColor Viridis(double t)
    {
        t = Math.Clamp(double.IsNaN(t) ? 0 : t, 0, 1) * 4;
        var i = Math.Min(3, (int)t);
        var f = t - i;
        byte Mix(int c) => (byte)Math.Round(ViridisStops[3 * i + c] + (ViridisStops[3 * (i + 1) + c] - ViridisStops[3 * i + c]) * f);
        return new SKColor(Mix(0), Mix(1), Mix(2));
    }

    private static void DrawImagePanel(SKCanvas canvas, Layout layout, int g, AssignmentImage context,
        IReadOnlyList<(int Height, int Width)> levelSizes, long chosen)
    {
        var (x0, y0) = layout.ImageOrigin(g);
        var sx = layout.PanelWidth / (float)context.Image.Width;
        var sy = layout.PanelHeight / (float)context.Image.Height;
        using (var img = SKImage.FromBitmap(context.Image))
            canvas.DrawImage(img, new SKRect(x0, y0, x0 + layout.PanelWidth, y0 + layout.PanelHeight), new SKSamplingOptions(SKFilterMode.Linear));
        if (g >= context.GtBoxes.Count) return;
        var b = context.GtBoxes[g];
        using var box = DetectionPicture.Stroke(g < context.GtClasses.Count ? ClassPalette.For(context.GtClasses[g]) : SKColors.Red, 2);
        canvas.DrawRect(new SKRect(x0 + (float)b.X1 * sx, y0 + (float)b.Y1 * sy, x0 + (float)b.X2 * sx, y0 + (float)b.Y2 * sy), box);
        if (chosen < 0) return;
        var start = 0L;
        for (var l = 0; l < levelSizes.Count && l < context.Strides.Count; l++)
        {
            var n = levelSizes[l].Height * levelSizes[l].Width;
            if (chosen < start + n)
            {
                var idx = chosen - start;
                var px = x0 + (float)((idx % levelSizes[l].Width + context.Offset) * context.Strides[l]) * sx;
                var py = y0 + (float)((idx / levelSizes[l].Width + context.Offset) * context.Strides[l]) * sy;
                using var cross = DetectionPicture.Stroke(SKColors.White, 2);
                canvas.DrawLine(px - 4, py, px + 4, py, cross);
                canvas.DrawLine(px, py - 4, px, py + 4, cross);
                return;
            }
            start += n;
        }
    }

    private static void DrawLegend(SKCanvas canvas, Layout layout, SKFont font, SKPaint ink, SKPaint fill)
    {
        var y = layout.Height - LegendHeight + 6;
        for (var i = 0; i < 100; i++)
        {
            fill.Color = Viridis(i / 99.0);
            canvas.DrawRect(new SKRect(Margin + i, y, Margin + i + 1, y + 10), fill);
        }
        canvas.DrawText("0", Margin, y + 22, SKTextAlign.Left, font, ink);
        canvas.DrawText("max", Margin + 100, y + 22, SKTextAlign.Right, font, ink);
        fill.Color = OutsideColour;
        canvas.DrawRect(new SKRect(Margin + 112, y, Margin + 122, y + 10), fill);
        canvas.DrawText("outside prior   white = chosen shift", Margin + 126, y + 9, SKTextAlign.Left, font, ink);
    }

    /// <summary>Where things go; internal so tests can find a cell.</summary>
    internal sealed class Layout
    {
        private readonly IReadOnlyList<(int Height, int Width)> _levels;
        private readonly bool _image;

        public Layout(AssignmentPictureOptions options, IReadOnlyList<(int Height, int Width)> levels, int rows)
        {
            _levels = levels;
            _image = options.Image != null;
            Rows = rows;
            PanelHeight = options.PanelSize;
            PanelWidth = Math.Max(8, (int)Math.Round(options.PanelSize * (double)levels[0].Width / levels[0].Height));
            var columns = levels.Count + (_image ? 1 : 0);
            Width = Math.Max(2 * Margin + columns * PanelWidth + (columns - 1) * Gap, 2 * Margin + 360);
            Height = TitleHeight + rows * (TitleHeight + PanelHeight + Gap) + LegendHeight;
        }

        public int Rows { get; }
        public int PanelWidth { get; }
        public int PanelHeight { get; }
        public int Width { get; }
        public int Height { get; }

        public (float X, float Y) ImageOrigin(int row) => (Margin, TitleHeight + row * (TitleHeight + PanelHeight + Gap) + TitleHeight);

        public (float X, float Y) PanelOrigin(int row, int level)
        {
            var column = level + (_image ? 1 : 0);
            return (Margin + column * (PanelWidth + Gap), TitleHeight + row * (TitleHeight + PanelHeight + Gap) + TitleHeight);
        }

        public SKRect CellRect(int row, int level, int y, int x)
        {
            var (x0, y0) = PanelOrigin(row, level);
            var (h, w) = _levels[level];
            float cw = PanelWidth / (float)w, ch = PanelHeight / (float)h;
            return new SKRect(x0 + x * cw, y0 + y * ch, x0 + (x + 1) * cw, y0 + (y + 1) * ch);
        }
    }
}
