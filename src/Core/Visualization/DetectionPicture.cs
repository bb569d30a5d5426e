using Research.Core.Runtime;
using System.Globalization;
using System.Runtime.InteropServices;
using Research.Core.Data;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Visualization;

/// <summary>A box to draw: XYXY pixels of the picture's image, a contiguous class, and a score for detections.</summary>
/// <param name="Box">XYXY absolute pixels in the frame of the image it is drawn on.</param>
/// <param name="Class">Contiguous class 0..K−1 (chooses the colour and the name).</param>
/// <param name="Score">Detection score, or null for ground truth.</param>
public sealed record DrawnBox(BoxXyxy Box, int Class, double? Score = null);

/// <summary>How a detection picture looks.</summary>
public sealed record DetectionPictureOptions
{
    /// <summary>Detections scoring below this are not drawn. Default 0.3.</summary>
    public double ScoreThreshold { get; init; } = 0.3;

    /// <summary>At most this many detections (highest scores first). Default 100.</summary>
    public int MaxDetections { get; init; } = 100;

    /// <summary>Integer magnification of the image; 0 = enough for the longer side to reach 512 pixels (at most 4).</summary>
    public int Scale { get; init; }

    /// <summary>Line width of detection boxes, picture pixels. GT boxes are dashed with half this width (at least 1).</summary>
    public float LineWidth { get; init; } = 2;

    /// <summary>Label text size, picture pixels.</summary>
    public float FontSize { get; init; } = 11;
}

/// <summary>
/// Ground truth and detections drawn on an image, as PNG: detections are solid boxes in their class colour
/// (<see cref="ClassPalette"/>) with a "name score" label; ground truth boxes are dashed in their class colour.
/// </summary>
public static class DetectionPicture
{
    /// <summary>Reads <paramref name="imagePath"/> (PNG/JPEG), draws the boxes (original image frame) and writes a PNG.</summary>
    public static void Write(string imagePath, IReadOnlyList<DrawnBox> groundTruth, IReadOnlyList<DrawnBox> detections,
        IReadOnlyList<string> classNames, string outputPng, DetectionPictureOptions? options = null)
    {
        var (rgb, height, width) = ImageDecoder.DecodeRgb(imagePath);   // upright, like the boxes
        using var image = FromRgb(rgb, height, width);
        using var picture = Draw(image, groundTruth, detections, classNames, options);
        SavePng(picture, outputPng);
    }

    /// <summary>Returns a new bitmap: the image magnified by the option's scale with the boxes drawn on it.</summary>
    public static SKBitmap Draw(SKBitmap image, IReadOnlyList<DrawnBox> groundTruth, IReadOnlyList<DrawnBox> detections,
        IReadOnlyList<string> classNames, DetectionPictureOptions? options = null)
    {
        options ??= new DetectionPictureOptions();
        var scale = options.Scale > 0 ? options.Scale : Math.Clamp((int)Math.Ceiling(512.0 / Math.Max(image.Width, image.Height)), 1, 4);
        var picture = new SKBitmap(new SKImageInfo(image.Width * scale, image.Height * scale, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(picture);
        using (var img = SKImage.FromBitmap(image))
            canvas.DrawImage(img, new SKRect(0, 0, picture.Width, picture.Height), new SKSamplingOptions(SKFilterMode.Nearest));
        using var font = PictureFont.Create(options.FontSize);
        foreach (var gt in groundTruth)
        {
            using var paint = Stroke(ClassPalette.For(gt.Class), Math.Max(1, options.LineWidth / 2));
            paint.PathEffect = SKPathEffect.CreateDash(new[] { 4f, 3f }, 0);
            canvas.DrawRect(Rect(gt.Box, scale), paint);
        }
        var shown = detections.Where(d => (d.Score ?? 1) >= options.ScoreThreshold)
            .OrderByDescending(d => d.Score ?? 1).Take(options.MaxDetections).Reverse();   // best drawn last, on top
        foreach (var d in shown)
        {
            var colour = ClassPalette.For(d.Class);
            using var paint = Stroke(colour, options.LineWidth);
            var r = Rect(d.Box, scale);
            canvas.DrawRect(r, paint);
            var name = d.Class >= 0 && d.Class < classNames.Count ? classNames[d.Class] : d.Class.ToString(CultureInfo.InvariantCulture);
            var label = d.Score is { } s ? string.Create(CultureInfo.InvariantCulture, $"{name} {s:0.00}") : name;
            DrawLabel(canvas, font, label, r.Left, r.Top, colour);
        }
        return picture;
    }

    /// <summary>
    /// Boxes from tensors: <paramref name="boxes"/> (M, 4) XYXY pixels, <paramref name="classes"/> (M) int64,
    /// <paramref name="scores"/> (M) float or null for ground truth.
    /// </summary>
    public static IReadOnlyList<DrawnBox> FromTensors(Tensor boxes, Tensor classes, Tensor? scores = null)
    {
        var bv = HostCopy.Doubles(boxes);
        var cv = HostCopy.Longs(classes);
        var sv = scores is null ? null : HostCopy.Doubles(scores);
        return Enumerable.Range(0, cv.Length)
            .Select(i => new DrawnBox(new BoxXyxy(bv[4 * i], bv[4 * i + 1], bv[4 * i + 2], bv[4 * i + 3]), (int)cv[i], sv?[i]))
            .ToArray();
    }

    /// <summary>Every annotation of a dataset image (crowd ones included) as ground-truth boxes in the original frame.</summary>
    public static IReadOnlyList<DrawnBox> GroundTruth(CocoImage image) =>
        image.Annotations.Select(a => new DrawnBox(BoxXyxy.FromXywh(a.X, a.Y, a.Width, a.Height), a.Class)).ToArray();

    /// <summary>Bitmap from interleaved RGB bytes (H·W·3), e.g. a decoded dataset image.</summary>
    public static SKBitmap FromRgb(byte[] rgb, int height, int width)
    {
        var rgba = new byte[height * width * 4];
        for (int p = 0, q = 0; p < height * width; p++, q += 4)
        {
            rgba[q] = rgb[3 * p]; rgba[q + 1] = rgb[3 * p + 1]; rgba[q + 2] = rgb[3 * p + 2]; rgba[q + 3] = 255;
        }
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        return bitmap;
    }

    /// <summary>Writes a bitmap as PNG, creating the folder.</summary>
    public static void SavePng(SKBitmap bitmap, string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        data.SaveTo(file);
    }

    internal static SKPaint Stroke(SKColor colour, float width) =>
        new() { Color = colour, Style = SKPaintStyle.Stroke, StrokeWidth = width, IsAntialias = false };

    private static SKRect Rect(BoxXyxy b, int scale) =>
        new((float)(b.X1 * scale), (float)(b.Y1 * scale), (float)(b.X2 * scale), (float)(b.Y2 * scale));

    /// <summary>Text on a filled box of the given colour, above (x, y) or just inside when there is no room.</summary>
    internal static void DrawLabel(SKCanvas canvas, SKFont font, string text, float x, float y, SKColor background)
    {
        var width = font.MeasureText(text);
        var height = font.Size + 2;
        var top = y - height >= 0 ? y - height : y;
        using var fill = new SKPaint { Color = background, Style = SKPaintStyle.Fill };
        canvas.DrawRect(new SKRect(x, top, x + width + 4, top + height), fill);
        var luminance = 0.299 * background.Red + 0.587 * background.Green + 0.114 * background.Blue;
        using var ink = new SKPaint { Color = luminance > 140 ? SKColors.Black : SKColors.White, IsAntialias = true };
        canvas.DrawText(text, x + 2, top + font.Size - 1, SKTextAlign.Left, font, ink);
    }
}
