using Research.Core.Data;
using Research.Core.Data.Crops;
using SkiaSharp;

namespace Research.Core.SingleObjectTracking;

/// <summary>
/// One generated sequence: the target's ground truth, the distractors and occluders, and the frames,
/// rendered on demand with SkiaSharp on a textured background. Build with <see cref="Generate"/>.
/// </summary>
public sealed class SyntheticSequence : IDisposable
{
    private readonly SKBitmap _background;

    private SyntheticSequence(SyntheticSequenceSpec spec, SyntheticSequenceObject target, IReadOnlyList<SyntheticSequenceObject> distractors,
        IReadOnlyList<BoxXyxy> occluders, SKBitmap background)
    {
        Spec = spec;
        Target = target;
        Distractors = distractors;
        Occluders = occluders;
        _background = background;
    }

    /// <summary>The parameters it was made from.</summary>
    public SyntheticSequenceSpec Spec { get; }

    /// <summary>The tracked object; its boxes are the ground truth (the full extent, also when occluded).</summary>
    public SyntheticSequenceObject Target { get; }

    /// <summary>Same-class objects crossing the target.</summary>
    public IReadOnlyList<SyntheticSequenceObject> Distractors { get; }

    /// <summary>Static occluding bars (drawn over everything).</summary>
    public IReadOnlyList<BoxXyxy> Occluders { get; }

    /// <summary>Ground truth per frame (XYXY).</summary>
    public IReadOnlyList<BoxXyxy> GroundTruth => Target.Boxes;

    /// <summary>Sequence index i of a spec: a pure function of (spec, i).</summary>
    public static SyntheticSequence Generate(SyntheticSequenceSpec spec, int index)
    {
        spec.Validate();
        var rng = new Random(unchecked(spec.Seed * 1_000_003 + index * 7919 + 17));
        var (target, distractors, occluders) = SyntheticMotion.Plan(spec, rng);
        return new SyntheticSequence(spec, target, distractors, occluders, Background(spec, rng));
    }

    /// <summary>Renders frame t (0-based) as an opaque RGBA bitmap (the caller disposes it).</summary>
    public SKBitmap RenderFrame(int t)
    {
        if (t < 0 || t >= Spec.Frames) throw new ArgumentOutOfRangeException(nameof(t), t, $"frame index out of range for {Spec.Frames} frames");
        var bitmap = _background.Copy();
        using var canvas = new SKCanvas(bitmap);
        foreach (var d in Distractors.Where(d => !d.InFront)) Draw(canvas, d, d.Boxes[t]);
        Draw(canvas, Target, Target.Boxes[t]);
        foreach (var d in Distractors.Where(d => d.InFront)) Draw(canvas, d, d.Boxes[t]);
        using var bar = new SKPaint { Color = new SKColor(70, 70, 78), IsAntialias = true };
        using var stripe = new SKPaint { Color = new SKColor(150, 150, 160), IsAntialias = true };
        foreach (var o in Occluders)
        {
            canvas.DrawRect(ToRect(o), bar);
            for (var y = o.Y1; y < o.Y2; y += 12) canvas.DrawRect((float)o.X1, (float)y, (float)o.Width, 4, stripe);
        }
        canvas.Flush();
        return bitmap;
    }

    /// <summary>Writes the sequence in the <see cref="SequenceFolder"/> format.</summary>
    public void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        for (var t = 0; t < Spec.Frames; t++)
        {
            using var frame = RenderFrame(t);
            FrameImage.SavePng(frame, Path.Combine(directory, SequenceFolder.FrameFileName(t)));
        }
        GroundTruthFile.Write(Path.Combine(directory, SequenceFolder.GroundTruthName), GroundTruth);
    }

    /// <inheritdoc />
    public void Dispose() => _background.Dispose();

    private static void Draw(SKCanvas canvas, SyntheticSequenceObject o, BoxXyxy b)
    {
        var rect = ToRect(b);
        using var path = new SKPath();
        switch (o.Shape)
        {
            case SyntheticSequenceShape.Ellipse: path.AddOval(rect); break;
            case SyntheticSequenceShape.Rectangle: path.AddRoundRect(rect, rect.Width * 0.15f, rect.Height * 0.15f); break;
            case SyntheticSequenceShape.Triangle:
                path.MoveTo(rect.MidX, rect.Top); path.LineTo(rect.Right, rect.Bottom); path.LineTo(rect.Left, rect.Bottom); path.Close();
                break;
            default:
                path.MoveTo(rect.MidX, rect.Top); path.LineTo(rect.Right, rect.MidY); path.LineTo(rect.MidX, rect.Bottom); path.LineTo(rect.Left, rect.MidY); path.Close();
                break;
        }
        using var fill = new SKPaint { Color = new SKColor(o.Color.R, o.Color.G, o.Color.B), IsAntialias = true };
        canvas.DrawPath(path, fill);
        canvas.Save();
        canvas.ClipPath(path, antialias: true);
        using var band = new SKPaint { Color = new SKColor(o.Accent.R, o.Accent.G, o.Accent.B), IsAntialias = true };
        canvas.DrawRect(rect.Left, rect.MidY - rect.Height * 0.12f, rect.Width, rect.Height * 0.24f, band);
        canvas.Restore();
        using var outline = new SKPaint { Color = new SKColor(20, 20, 20), IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 1.5f };
        canvas.DrawPath(path, outline);
    }

    private static SKRect ToRect(BoxXyxy b) => new((float)b.X1, (float)b.Y1, (float)b.X2, (float)b.Y2);

    /// <summary>Muted blobs and bars over a gradient, plus per-pixel noise: texture without target-like shapes.</summary>
    private static SKBitmap Background(SyntheticSequenceSpec spec, Random rng)
    {
        var bitmap = new SKBitmap(new SKImageInfo(spec.Width, spec.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(bitmap))
        {
            var top = new SKColor((byte)rng.Next(60, 200), (byte)rng.Next(60, 200), (byte)rng.Next(60, 200));
            var bottom = new SKColor((byte)rng.Next(60, 200), (byte)rng.Next(60, 200), (byte)rng.Next(60, 200));
            using (var gradient = new SKPaint { Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(0, spec.Height), new[] { top, bottom }, SKShaderTileMode.Clamp) })
                canvas.DrawRect(0, 0, spec.Width, spec.Height, gradient);
            var blobs = spec.Width * spec.Height / 1500;
            for (var i = 0; i < blobs; i++)
            {
                using var paint = new SKPaint
                {
                    Color = new SKColor((byte)rng.Next(40, 220), (byte)rng.Next(40, 220), (byte)rng.Next(40, 220), (byte)rng.Next(40, 110)),
                    IsAntialias = true,
                };
                float x = (float)(rng.NextDouble() * spec.Width), y = (float)(rng.NextDouble() * spec.Height);
                float a = (float)(4 + rng.NextDouble() * 30), b = (float)(2 + rng.NextDouble() * 12);
                if (rng.Next(2) == 0) canvas.DrawOval(x, y, a, b, paint);
                else canvas.DrawRect(x, y, b, a, paint);
            }
            canvas.Flush();
        }
        var pixels = bitmap.GetPixelSpan();
        for (var i = 0; i < pixels.Length; i += 4)
        {
            var n = rng.Next(-12, 13);
            for (var c = 0; c < 3; c++) pixels[i + c] = (byte)Math.Clamp(pixels[i + c] + n, 0, 255);
        }
        return bitmap;
    }
}
