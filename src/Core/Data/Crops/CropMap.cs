using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Data.Crops;

/// <summary>
/// The exact affine map between a frame and a square crop of it: crop = (frame − origin) · scale, the same
/// scale on both axes. The crop covers the frame region [OriginX, OriginX + Side] × [OriginY, OriginY + Side]
/// and has OutputSize × OutputSize pixels, so Scale = OutputSize / Side. Points use continuous pixel
/// coordinates (pixel i covers [i, i + 1)) in both frames, so the map is exact for boxes and for sampling.
/// </summary>
public readonly record struct CropMap(double OriginX, double OriginY, double Side, int OutputSize)
{
    /// <summary>Crop pixels per frame pixel.</summary>
    public double Scale => OutputSize / Side;

    /// <summary>Offset of the affine form crop = frame · Scale + Offset (x component).</summary>
    public double OffsetX => -OriginX * Scale;

    /// <summary>Offset of the affine form crop = frame · Scale + Offset (y component).</summary>
    public double OffsetY => -OriginY * Scale;

    /// <summary>The frame region the crop covers.</summary>
    public BoxXyxy Region => new(OriginX, OriginY, OriginX + Side, OriginY + Side);

    /// <summary>A point of the frame in crop coordinates.</summary>
    public (double X, double Y) FrameToCrop(double x, double y) => ((x - OriginX) * Scale, (y - OriginY) * Scale);

    /// <summary>A point of the crop in frame coordinates.</summary>
    public (double X, double Y) CropToFrame(double x, double y) => (x / Scale + OriginX, y / Scale + OriginY);

    /// <summary>A frame box in crop coordinates (not clipped; see <see cref="CropBoxMapping"/>).</summary>
    public BoxXyxy FrameToCrop(BoxXyxy b) =>
        new((b.X1 - OriginX) * Scale, (b.Y1 - OriginY) * Scale, (b.X2 - OriginX) * Scale, (b.Y2 - OriginY) * Scale);

    /// <summary>A crop box in frame coordinates.</summary>
    public BoxXyxy CropToFrame(BoxXyxy b) =>
        new(b.X1 / Scale + OriginX, b.Y1 / Scale + OriginY, b.X2 / Scale + OriginX, b.Y2 / Scale + OriginY);

    /// <summary>
    /// Frame boxes (M, 4) XYXY → crop boxes (M, 4) XYXY, same dtype (not clipped). The arithmetic runs in
    /// float64 and is cast back, so a float32 round trip is exact to float32 rounding.
    /// </summary>
    public Tensor FrameToCrop(Tensor boxes)
    {
        CheckBoxes(boxes);
        using var scope = NewDisposeScope();
        var origin = tensor(new[] { OriginX, OriginY, OriginX, OriginY }, dtype: ScalarType.Float64, device: boxes.device);
        var mapped = (boxes.to_type(ScalarType.Float64) - origin) * Scale; // (M, 4)
        return mapped.to_type(boxes.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>Crop boxes (M, 4) XYXY (e.g. detections) → frame boxes (M, 4) XYXY, same dtype.</summary>
    public Tensor CropToFrame(Tensor boxes)
    {
        CheckBoxes(boxes);
        using var scope = NewDisposeScope();
        var origin = tensor(new[] { OriginX, OriginY, OriginX, OriginY }, dtype: ScalarType.Float64, device: boxes.device);
        var mapped = boxes.to_type(ScalarType.Float64) / Scale + origin; // (M, 4)
        return mapped.to_type(boxes.dtype).MoveToOuterDisposeScope();
    }

    private static void CheckBoxes(Tensor boxes)
    {
        if (boxes.dim() != 2 || boxes.shape[1] != 4)
            throw new ArgumentException($"boxes must be (M, 4) XYXY, got ({string.Join(", ", boxes.shape)})");
    }
}
