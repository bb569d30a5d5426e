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
    /// dropped, grey images are expanded to three channels). EXIF orientation is not applied.
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

    /// <summary>Decodes an image file into interleaved RGB bytes (H·W·3), with its height and width.</summary>
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
        var n = info.Width * info.Height;
        var rgb = new byte[n * 3];
        for (int p = 0, q = 0; p < n; p++, q += 4)
        {
            rgb[3 * p] = rgba[q];
            rgb[3 * p + 1] = rgba[q + 1];
            rgb[3 * p + 2] = rgba[q + 2];
        }
        return (rgb, info.Height, info.Width);
    }
}
