using SkiaSharp;

namespace Research.Core.Visualization;

/// <summary>A fixed colour per class (Tableau 10 colours, repeating), so the same class looks the same in every picture.</summary>
public static class ClassPalette
{
    private static readonly SKColor[] Colours =
    {
        new(0x1F, 0x77, 0xB4), new(0xFF, 0x7F, 0x0E), new(0x2C, 0xA0, 0x2C), new(0xD6, 0x27, 0x28), new(0x94, 0x67, 0xBD),
        new(0x8C, 0x56, 0x4B), new(0xE3, 0x77, 0xC2), new(0x7F, 0x7F, 0x7F), new(0xBC, 0xBD, 0x22), new(0x17, 0xBE, 0xCF),
    };

    /// <summary>The colour of a contiguous class 0..K−1.</summary>
    public static SKColor For(int cls) => Colours[((cls % Colours.Length) + Colours.Length) % Colours.Length];
}
