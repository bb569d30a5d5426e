using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Data;

/// <summary>Channel order of image tensors: BGR (the reference's MSRA/caffe2 input format) or RGB.</summary>
public enum ChannelOrder
{
    /// <summary>Blue, green, red (cvpods INPUT.FORMAT "BGR", the default for MSRA weights).</summary>
    Bgr,

    /// <summary>Red, green, blue.</summary>
    Rgb,
}

/// <summary>Decodes PNG and JPEG files with SkiaSharp into float tensors of 0–255 values.</summary>
public static class ImageDecoder
{
    /// <summary>
    /// Decodes an image file into (3, H, W) float32 with values 0–255 in the given channel order (alpha is
    /// dropped, grey images are expanded to three channels), upright by its EXIF orientation.
    /// </summary>
    /// <param name="path">PNG or JPEG file.</param>
    /// <param name="order">Channel order of the result.</param>
    /// <param name="imageId">Named in the error message when the file cannot be decoded.</param>
    public static Tensor DecodeToTensor(string path, ChannelOrder order = ChannelOrder.Bgr, long? imageId = null)
    {
        var (rgb, height, width) = DecodeRgb(path, imageId);
        using var scope = NewDisposeScope();
        var hwc = tensor(rgb, new long[] { height, width, 3 }, ScalarType.Byte);               // (H, W, 3) RGB
        var chw = hwc.permute(2, 0, 1).to_type(ScalarType.Float32);                           // (3, H, W)
        if (order == ChannelOrder.Bgr) chw = chw.flip(0);
        return chw.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Decodes an image file into planar (3, H, W) float values 0–255 in the given channel order, with its
    /// height and width (no libtorch involved).
    /// </summary>
    public static (float[] Planar, int Height, int Width) DecodePlanar(string path, ChannelOrder order = ChannelOrder.Bgr, long? imageId = null)
    {
        var (rgb, h, w) = DecodeRgb(path, imageId);
        var n = h * w;
        var planar = new float[3 * n];
        for (var c = 0; c < 3; c++)
        {
            var source = order == ChannelOrder.Bgr ? 2 - c : c;
            for (var p = 0; p < n; p++) planar[c * n + p] = rgb[3 * p + source];
        }
        return (planar, h, w);
    }

    /// <summary>
    /// Decodes an image file into interleaved RGB bytes (H·W·3), with its height and width, turned upright
    /// by its EXIF orientation as the reference's reader does (cvpods detection_utils `read_image` →
    /// `_apply_exif_orientation`), so sizes and boxes refer to the upright image.
    /// </summary>
    public static (byte[] Rgb, int Height, int Width) DecodeRgb(string path, long? imageId = null)
    {
        var who = imageId is { } id ? $"image id {id}: " : "";
        if (!File.Exists(path)) throw new DatasetException($"{who}image file not found: {path}");
        using var codec = SKCodec.Create(path) ?? throw new DatasetException($"{who}image file cannot be decoded (not PNG/JPEG or corrupt): {path}");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
            throw new DatasetException($"{who}image file is truncated or corrupt ({result}): {path}");
        var rgba = bitmap.GetPixelSpan();
        int w = info.Width, h = info.Height;
        var origin = codec.EncodedOrigin;
        var swap = SwapsAxes(origin);
        var (outW, outH) = swap ? (h, w) : (w, h);
        var rgb = new byte[w * h * 3];
        if (origin == SKEncodedOrigin.TopLeft)
        {
            for (int p = 0, q = 0; p < rgb.Length; p += 3, q += 4)
            {
                rgb[p] = rgba[q];
                rgb[p + 1] = rgba[q + 1];
                rgb[p + 2] = rgba[q + 2];
            }
            return (rgb, h, w);
        }
        for (var oy = 0; oy < outH; oy++)
            for (var ox = 0; ox < outW; ox++)
            {
                // The stored pixel shown at (ox, oy) once the image is upright (EXIF orientations 1–8).
                var (sx, sy) = origin switch
                {
                    SKEncodedOrigin.TopRight => (w - 1 - ox, oy),
                    SKEncodedOrigin.BottomRight => (w - 1 - ox, h - 1 - oy),
                    SKEncodedOrigin.BottomLeft => (ox, h - 1 - oy),
                    SKEncodedOrigin.LeftTop => (oy, ox),
                    SKEncodedOrigin.RightTop => (oy, h - 1 - ox),
                    SKEncodedOrigin.RightBottom => (w - 1 - oy, h - 1 - ox),
                    SKEncodedOrigin.LeftBottom => (w - 1 - oy, ox),
                    _ => (ox, oy),
                };
                int q = (sy * w + sx) * 4, p = (oy * outW + ox) * 3;
                rgb[p] = rgba[q];
                rgb[p + 1] = rgba[q + 1];
                rgb[p + 2] = rgba[q + 2];
            }
        return (rgb, outH, outW);
    }

    /// <summary>(width, height) of the upright image, read from the file header only.</summary>
    public static (int Width, int Height) UprightSize(SKCodec codec) =>
        SwapsAxes(codec.EncodedOrigin) ? (codec.Info.Height, codec.Info.Width) : (codec.Info.Width, codec.Info.Height);

    /// <summary>
    /// (width, height) of the upright image of a PNG or JPEG file, from its header only (no pixels decoded), e.g. for
    /// an annotation file without image sizes.
    /// </summary>
    /// <exception cref="DatasetException">The file does not exist or is not a readable PNG/JPEG; the message names it.</exception>
    public static (int Width, int Height) ReadUprightSize(string path)
    {
        if (!File.Exists(path)) throw new DatasetException($"image file not found: {path}");
        using var codec = SKCodec.Create(path) ?? throw new DatasetException($"image file cannot be decoded (not PNG/JPEG or corrupt): {path}");
        return UprightSize(codec);
    }

    private static bool SwapsAxes(SKEncodedOrigin origin) =>
        origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
}
