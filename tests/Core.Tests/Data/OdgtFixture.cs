using SkiaSharp;

namespace Research.Core.Tests.Data;

/// <summary>
/// A temporary CrowdHuman-like folder: <c>Images/</c> with a 40x30 JPEG "img,a.jpg" (a red block at x 2..11,
/// y 3..10 on grey), 20x20 PNGs "d.png" and "c.png", a "b.png" that is not an image at all, and `.odgt` files
/// written by the tests.
/// </summary>
internal sealed class OdgtFixture : IDisposable
{
    public OdgtFixture()
    {
        Directory = Path.Combine(Path.GetTempPath(), "research-data-tests", Guid.NewGuid().ToString("N"));
        ImageDir = Path.Combine(Directory, "Images");
        System.IO.Directory.CreateDirectory(ImageDir);
        WriteJpeg(Path.Combine(ImageDir, "img,a.jpg"), 40, 30, (x, y) => x >= 2 && x < 12 && y >= 3 && y < 11 ? ((byte)255, (byte)0, (byte)0) : ((byte)90, (byte)90, (byte)90));
        DataFixture.WritePng(Path.Combine(ImageDir, "c.png"), 20, 20, (_, _) => ((byte)0, (byte)0, (byte)255));
        DataFixture.WritePng(Path.Combine(ImageDir, "d.png"), 20, 20, (_, _) => ((byte)0, (byte)255, (byte)0));
        // Not an image: a record with width/height keys must not need to open it.
        File.WriteAllText(Path.Combine(ImageDir, "b.png"), "not a png");
    }

    public string Directory { get; }

    public string ImageDir { get; }

    /// <summary>Writes an odgt file of these lines and returns its path.</summary>
    public string Odgt(string name, params string[] lines)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    private static void WriteJpeg(string path, int width, int height, Func<int, int, (byte R, byte G, byte B)> colour)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var (r, g, b) = colour(x, y);
                bitmap.SetPixel(x, y, new SKColor(r, g, b));
            }
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 95);
        File.WriteAllBytes(path, data.ToArray());
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
