using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Data.Crops;

/// <summary>
/// Cuts a target-centred square crop out of a frame: bilinear resampling through the exact
/// <see cref="CropMap"/>, areas outside the frame filled with the frame's per-channel mean (the padding
/// of Siamese trackers, so the border carries no artificial edge).
/// </summary>
public static class TargetCrop
{
    /// <summary>
    /// Samples the crop of a frame. image: (3, H, W) float (any value range, e.g. 0..255 before
    /// normalisation); returns (3, S, S) in the same dtype with S = map.OutputSize. Crop pixel (u, v) takes the
    /// bilinear value of the frame at the continuous point map.CropToFrame(u + 0.5, v + 0.5) (pixel centres),
    /// with the frame extended by its channel mean. Downscaling is plain bilinear (no antialias), like the
    /// resize of the usual tracker crops.
    /// </summary>
    public static Tensor Extract(Tensor image, CropMap map)
    {
        if (image.dim() != 3) throw new ArgumentException($"image must be (C, H, W), got ({string.Join(", ", image.shape)})");
        if (!image.is_floating_point()) throw new ArgumentException($"image must be a float tensor, got {image.dtype}");
        using var scope = NewDisposeScope();
        var height = image.shape[1];
        var width = image.shape[2];
        var size = map.OutputSize;
        var mean = image.mean(new long[] { 1, 2 }, keepdim: true); // (C, 1, 1)
        // Sampling zero-padded (image − mean) and adding the mean back equals sampling the frame padded
        // with its mean, including the bilinear blend across the border.
        var centred = (image - mean).unsqueeze(0); // (1, C, H, W)
        var steps = (arange(size, dtype: ScalarType.Float64, device: image.device) + 0.5) / map.Scale; // (S)
        // grid_sample with align_corners = false: −1 and +1 are the outer edges of the frame, so a continuous
        // coordinate x (pixel i covering [i, i + 1)) normalises to 2x / W − 1.
        var gx = (steps + map.OriginX) * (2.0 / width) - 1; // (S)
        var gy = (steps + map.OriginY) * (2.0 / height) - 1; // (S)
        var grid = stack(new[] { gx.unsqueeze(0).expand(size, size), gy.unsqueeze(1).expand(size, size) }, dim: -1) // (S, S, 2) as (x, y)
            .unsqueeze(0).to_type(image.dtype); // (1, S, S, 2)
        var sampled = nn.functional.grid_sample(centred, grid, mode: GridSampleMode.Bilinear,
            padding_mode: GridSamplePaddingMode.Zeros, align_corners: false); // (1, C, S, S)
        return (sampled.squeeze(0) + mean).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The crop around a target box: region of side context · sqrt((w + p)(h + p)) (see
    /// <see cref="CropRegion"/>), optionally jittered, resized to outputSize. image (3, H, W) → crop (3, S, S).
    /// </summary>
    public static (Tensor Crop, CropMap Map) Around(Tensor image, BoxXyxy target, double context, int outputSize,
        (double ShiftX, double ShiftY, double SideFactor)? jitter = null)
    {
        var map = CropRegion.Around(target, context, outputSize, jitter);
        return (Extract(image, map), map);
    }
}
