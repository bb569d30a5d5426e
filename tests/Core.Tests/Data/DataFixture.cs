using System.Runtime.InteropServices;
using SkiaSharp;

namespace Research.Core.Tests.Data;

/// <summary>A temporary folder with the small COCO fixtures of Fixtures/data and PNG images written for them.</summary>
internal sealed class DataFixture : IDisposable
{
    public DataFixture()
    {
        Directory = Path.Combine(Path.GetTempPath(), "research-data-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        // a.png: grey background with a red block at x 2..11, y 3..10 (annotation 10's box [2, 3, 10, 8]).
        WritePng(Path.Combine(Directory, "a.png"), 40, 30, (x, y) => x >= 2 && x < 12 && y >= 3 && y < 11 ? ((byte)255, (byte)0, (byte)0) : ((byte)90, (byte)90, (byte)90));
        WritePng(Path.Combine(Directory, "b.png"), 40, 30, (x, y) => ((byte)(x * 6), (byte)(y * 8), (byte)30));
        WritePng(Path.Combine(Directory, "c.png"), 20, 20, (_, _) => ((byte)0, (byte)0, (byte)255));
        WritePng(Path.Combine(Directory, "d.png"), 20, 20, (_, _) => ((byte)0, (byte)255, (byte)0));
    }

    public string Directory { get; }

    /// <summary>Copies Fixtures/data/NAME next to the images and returns its path.</summary>
    public string Json(string name)
    {
        var target = Path.Combine(Directory, name);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "data", name), target, overwrite: true);
        return target;
    }

    public static void WritePng(string path, int width, int height, Func<int, int, (byte R, byte G, byte B)> colour)
    {
        var rgba = new byte[width * height * 4];
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var (r, g, b) = colour(x, y);
                var q = (y * width + x) * 4;
                rgba[q] = r; rgba[q + 1] = g; rgba[q + 2] = b; rgba[q + 3] = 255;
            }
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
