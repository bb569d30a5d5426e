using Research.Core.Data;
using Research.Core.Runtime;
using SkiaSharp;
using Xunit;

namespace Research.Core.Tests.Data;

public class ImageDecoderTests
{
    public ImageDecoderTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void PngDecodesExactlyInBgrOrRgbOrder()
    {
        using var f = new DataFixture();
        var path = Path.Combine(f.Directory, "b.png");   // (x·6, y·8, 30) RGB
        var (bgr, h, w) = ImageDecoder.DecodePlanar(path);
        Assert.Equal((30, 40), (h, w));
        // Pixel (x 5, y 7): R 30, G 56, B 30 → BGR planes 30, 56, 30; at (x 10, y 2): R 60, G 16, B 30.
        Assert.Equal(new[] { 30f, 16f, 60f }, new[] { bgr[0 * 1200 + 2 * 40 + 10], bgr[1 * 1200 + 2 * 40 + 10], bgr[2 * 1200 + 2 * 40 + 10] });
        var (rgb, _, _) = ImageDecoder.DecodePlanar(path, ChannelOrder.Rgb);
        Assert.Equal(new[] { 60f, 16f, 30f }, new[] { rgb[2 * 40 + 10], rgb[1200 + 2 * 40 + 10], rgb[2400 + 2 * 40 + 10] });
        using var t = ImageDecoder.DecodeToTensor(path);
        Assert.Equal(new long[] { 3, 30, 40 }, t.shape);
        Assert.Equal(bgr, t.data<float>().ToArray());
    }

    [Fact]
    public void JpegDecodesCloseToItsColour()
    {
        using var f = new DataFixture();
        var path = Path.Combine(f.Directory, "flat.jpg");
        using (var bitmap = new SKBitmap(new SKImageInfo(16, 16, SKColorType.Rgba8888, SKAlphaType.Opaque)))
        {
            bitmap.Erase(new SKColor(200, 100, 50));
            using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 100);
            File.WriteAllBytes(path, data.ToArray());
        }
        var (rgb, h, w) = ImageDecoder.DecodePlanar(path, ChannelOrder.Rgb);
        Assert.Equal((16, 16), (h, w));
        Assert.InRange(rgb[0], 197, 203);
        Assert.InRange(rgb[256], 97, 103);
        Assert.InRange(rgb[512], 47, 53);
    }

    [Fact]
    public void ExifOrientationIsAppliedToPixelsAndToTheSizeCheck()
    {
        using var f = new DataFixture();
        // Stored 32x16: top-left quadrant green, bottom-left red, right half blue; EXIF orientation 6 (rotate 90° clockwise).
        var path = Path.Combine(f.Directory, "rotated.jpg");
        using (var bitmap = new SKBitmap(new SKImageInfo(32, 16, SKColorType.Rgba8888, SKAlphaType.Opaque)))
        {
            for (var y = 0; y < 16; y++)
                for (var x = 0; x < 32; x++)
                    bitmap.SetPixel(x, y, x >= 16 ? new SKColor(0, 0, 255) : y < 8 ? new SKColor(0, 255, 0) : new SKColor(255, 0, 0));
            using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 100);
            var jpeg = data.ToArray();
            byte[] exif =
            {
                0xFF, 0xE1, 0x00, 0x22, (byte)'E', (byte)'x', (byte)'i', (byte)'f', 0, 0,
                0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 8,                      // big-endian TIFF, first IFD at 8
                0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0,          // one entry: Orientation (SHORT) = 6
                0, 0, 0, 0,
            };
            File.WriteAllBytes(path, jpeg.Take(2).Concat(exif).Concat(jpeg.Skip(2)).ToArray());
        }
        var (rgb, h, w) = ImageDecoder.DecodePlanar(path, ChannelOrder.Rgb);
        Assert.Equal((32, 16), (h, w));
        float R(int x, int y) => rgb[y * w + x];
        float G(int x, int y) => rgb[h * w + y * w + x];
        float B(int x, int y) => rgb[2 * h * w + y * w + x];
        // Upright: red top-left, green top-right, blue bottom half.
        Assert.True(R(4, 4) > 200 && G(4, 4) < 60, $"({R(4, 4)}, {G(4, 4)}, {B(4, 4)})");
        Assert.True(G(12, 4) > 200 && R(12, 4) < 60, $"({R(12, 4)}, {G(12, 4)}, {B(12, 4)})");
        Assert.True(B(8, 24) > 200 && R(8, 24) < 60, $"({R(8, 24)}, {G(8, 24)}, {B(8, 24)})");
        using var codec = SKCodec.Create(path);
        Assert.Equal((16, 32), ImageDecoder.UprightSize(codec));
    }

    [Fact]
    public void TruncatedFileIsNamedWithItsImageId()
    {
        using var f = new DataFixture();
        var path = Path.Combine(f.Directory, "cut.png");
        var bytes = File.ReadAllBytes(Path.Combine(f.Directory, "b.png"));
        File.WriteAllBytes(path, bytes.Take(bytes.Length / 2).ToArray());
        var e = Assert.Throws<DatasetException>(() => ImageDecoder.DecodePlanar(path, imageId: 12));
        Assert.StartsWith("image id 12: image file ", e.Message);
        Assert.EndsWith(path, e.Message);
    }
}
