using System.Runtime.InteropServices;
using SkiaSharp;

namespace Research.Core.Data;

/// <summary>Writes interleaved RGB bytes as an opaque PNG (the generated datasets' image format).</summary>
internal static class RgbPng
{
    /// <summary>Encodes <paramref name="rgb"/> (height·width·3 bytes, row-major) to <paramref name="path"/>.</summary>
    public static void Write(string path, int width, int height, byte[] rgb)
    {
        if (rgb.Length != width * height * 3) throw new ArgumentException($"{rgb.Length} bytes for a {width}x{height} RGB image");
        var rgba = new byte[width * height * 4];
        for (int p = 0, q = 0; p < width * height; p++, q += 4)
        {
            rgba[q] = rgb[3 * p];
            rgba[q + 1] = rgb[3 * p + 1];
            rgba[q + 2] = rgb[3 * p + 2];
            rgba[q + 3] = 255;
        }
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        // Paeth filter + zlib level 3: half the time of the default encoder for these noisy images, same size.
        using var pixmap = bitmap.PeekPixels();
        using var data = pixmap.Encode(new SKPngEncoderOptions(SKPngEncoderFilterFlags.Paeth, 3))
            ?? throw new IOException($"PNG encoding failed for {path}");
        using var file = File.Create(path);
        data.SaveTo(file);
    }
}
