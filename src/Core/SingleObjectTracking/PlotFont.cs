using SkiaSharp;

namespace Research.Core.SingleObjectTracking;

/// <summary>
/// The typeface for text in PNGs. Loaded from an explicit file: SkiaSharp's default typeface can be empty on
/// Linux (notes/dotnet-stack-facts.md §7), which makes text silently invisible.
/// </summary>
internal static class PlotFont
{
    public const string DejaVuSans = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

    public static SKTypeface Load() =>
        File.Exists(DejaVuSans)
            ? SKTypeface.FromFile(DejaVuSans) ?? throw new InvalidDataException($"cannot load font {DejaVuSans}")
            : throw new FileNotFoundException($"font {DejaVuSans} not found (apt-get install fonts-dejavu-core)", DejaVuSans);
}
