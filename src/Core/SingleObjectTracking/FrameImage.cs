using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.SingleObjectTracking;

/// <summary>
/// Frames as tensors: PNG/JPEG files ↔ (3, H, W) float32 RGB in 0..255, and SkiaSharp bitmaps ↔ the same
/// tensors. Small on purpose: tracking needs only decode, encode and the layout change.
/// </summary>
public static class FrameImage
{
    /// <summary>Decodes a PNG or JPEG file into (3, H, W) float32 RGB 0..255. Errors name the file.</summary>
    public static Tensor Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"frame not found: {path}", path);
        using var bitmap = SKBitmap.Decode(path) ?? throw new InvalidDataException($"cannot decode frame {path} (not a PNG or JPEG?)");
        return FromBitmap(bitmap);
    }

    /// <summary>Width and height of an image file, read from its header without decoding the pixels.</summary>
    public static (int Width, int Height) ReadSize(string path)
    {
        using var codec = SKCodec.Create(path) ?? throw new InvalidDataException($"cannot read image header of {path} (not a PNG or JPEG?)");
        return (codec.Info.Width, codec.Info.Height);
    }

    /// <summary>A bitmap (any colour type) as (3, H, W) float32 RGB 0..255 (alpha dropped).</summary>
    public static Tensor FromBitmap(SKBitmap bitmap)
    {
        using var rgba = new SKBitmap(new SKImageInfo(bitmap.Width, bitmap.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        if (!bitmap.CopyTo(rgba, SKColorType.Rgba8888))
        {
            using var canvas = new SKCanvas(rgba);
            canvas.DrawBitmap(bitmap, 0, 0);
        }
        var bytes = rgba.GetPixelSpan();
        using var scope = NewDisposeScope();
        var hwc = tensor(bytes.ToArray(), new long[] { bitmap.Height, bitmap.Width, 4 }); // (H, W, 4) uint8
        return hwc[.., .., ..3].permute(2, 0, 1).to_type(ScalarType.Float32).contiguous().MoveToOuterDisposeScope(); // (3, H, W)
    }

    /// <summary>(3, H, W) float RGB 0..255 (rounded and clamped) as an opaque RGBA bitmap.</summary>
    public static SKBitmap ToBitmap(Tensor image)
    {
        if (image.dim() != 3 || image.shape[0] != 3) throw new ArgumentException($"image must be (3, H, W), got ({string.Join(", ", image.shape)})");
        int h = (int)image.shape[1], w = (int)image.shape[2];
        byte[] rgb;
        using (var scope = NewDisposeScope())
            rgb = image.round().clamp(0, 255).to_type(ScalarType.Byte).permute(1, 2, 0).contiguous().data<byte>().ToArray(); // (H, W, 3)
        var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var pixels = bitmap.GetPixelSpan();
        for (int i = 0, j = 0; i < rgb.Length; i += 3, j += 4)
        {
            pixels[j] = rgb[i];
            pixels[j + 1] = rgb[i + 1];
            pixels[j + 2] = rgb[i + 2];
            pixels[j + 3] = 255;
        }
        return bitmap;
    }

    /// <summary>Writes a bitmap as PNG (atomically: temporary file, then rename).</summary>
    public static void SavePng(SKBitmap bitmap, string path)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100) ?? throw new InvalidOperationException($"PNG encoding failed for {path}");
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        using (var stream = File.Create(tmp)) data.SaveTo(stream);
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Writes (3, H, W) float RGB 0..255 as PNG.</summary>
    public static void SavePng(Tensor image, string path)
    {
        using var bitmap = ToBitmap(image);
        SavePng(bitmap, path);
    }
}
