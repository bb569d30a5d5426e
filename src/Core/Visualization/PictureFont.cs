using SkiaSharp;

namespace Research.Core.Visualization;

/// <summary>
/// The font of every picture: DejaVu Sans Mono, embedded in this assembly (assets/fonts, Bitstream Vera
/// licence). Loaded explicitly because SkiaSharp's default typeface can be empty (no glyphs) on a machine
/// without fontconfig fonts, which silently drops all text.
/// </summary>
public static class PictureFont
{
    private static readonly Lazy<SKTypeface> Loaded = new(Load);

    /// <summary>The shipped typeface.</summary>
    public static SKTypeface Typeface => Loaded.Value;

    /// <summary>A font of the shipped typeface at the given size (caller disposes).</summary>
    public static SKFont Create(float size) => new(Typeface, size) { Edging = SKFontEdging.Antialias };

    private static SKTypeface Load()
    {
        const string name = "Research.Core.Fonts.DejaVuSansMono.ttf";
        using var stream = typeof(PictureFont).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded font {name} is missing from {typeof(PictureFont).Assembly.Location}");
        var copy = new MemoryStream();
        stream.CopyTo(copy);
        copy.Position = 0;
        var typeface = SKTypeface.FromStream(copy);
        if (typeface == null || typeface.GlyphCount == 0) throw new InvalidOperationException($"embedded font {name} could not be loaded");
        return typeface;
    }
}
