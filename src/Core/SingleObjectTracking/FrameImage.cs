using Research.Core.Runtime;
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
        using var codec = SKCodec.Create(path) ?? throw new InvalidDataException($"cannot decode frame {path} (not a PNG or JPEG?)");
        // decode straight to RGBA 8888 so no colour-type conversion is needed afterwards
        using var bitmap = SKBitmap.Decode(codec, new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul))
                           ?? throw new InvalidDataException($"cannot decode frame {path} (corrupt image?)");
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
        if (bitmap.ColorType == SKColorType.Rgba8888 && bitmap.AlphaType != SKAlphaType.Premul) return FromRgba(bitmap.GetPixelSpan(), bitmap.Width, bitmap.Height);
        using var rgba = new SKBitmap(new SKImageInfo(bitmap.Width, bitmap.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        if (!bitmap.CopyTo(rgba, SKColorType.Rgba8888))
        {
            using var canvas = new SKCanvas(rgba);
            canvas.DrawBitmap(bitmap, 0, 0);
        }
        return FromRgba(rgba.GetPixelSpan(), bitmap.Width, bitmap.Height);
    }

    /// <summary>Interleaved RGBA bytes → planar (3, H, W) float32 in one pass (no intermediate tensors).</summary>
    private static Tensor FromRgba(ReadOnlySpan<byte> rgba, int width, int height)
    {
        var plane = width * height;
        var chw = new float[3 * plane];
        for (int p = 0, j = 0; p < plane; p++, j += 4)
        {
            chw[p] = rgba[j];
            chw[plane + p] = rgba[j + 1];
            chw[2 * plane + p] = rgba[j + 2];
        }
        return tensor(chw, new long[] { 3, height, width }); // (3, H, W)
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
        AtomicFile.Write(path, data.SaveTo);
    }

    /// <summary>Writes (3, H, W) float RGB 0..255 as PNG.</summary>
    public static void SavePng(Tensor image, string path)
    {
        using var bitmap = ToBitmap(image);
        SavePng(bitmap, path);
    }
}
