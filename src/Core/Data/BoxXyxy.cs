using System.Globalization;

namespace Research.Core.Data;

/// <summary>A box as XYXY absolute pixels (DESIGN §4), in double precision while it is transformed.</summary>
/// <param name="X1">Left.</param>
/// <param name="Y1">Top.</param>
/// <param name="X2">Right.</param>
/// <param name="Y2">Bottom.</param>
public readonly record struct BoxXyxy(double X1, double Y1, double X2, double Y2)
{
    /// <summary>From COCO's XYWH.</summary>
    public static BoxXyxy FromXywh(double x, double y, double width, double height) => new(x, y, x + width, y + height);

    /// <summary>Width (may be ≤ 0 for an empty box).</summary>
    public double Width => X2 - X1;

    /// <summary>Height (may be ≤ 0 for an empty box).</summary>
    public double Height => Y2 - Y1;

    /// <summary>
    /// True when width or height is not positive: such boxes are dropped after the transforms
    /// (cvpods `Boxes.nonempty`, threshold 0, via `filter_empty_instances`).
    /// </summary>
    public bool IsEmpty => !(Width > 0) || !(Height > 0);

    /// <summary>Clipped to an image of the given size (cvpods `Boxes.clip`).</summary>
    public BoxXyxy Clip(int height, int width) => new(
        Math.Clamp(X1, 0, width), Math.Clamp(Y1, 0, height), Math.Clamp(X2, 0, width), Math.Clamp(Y2, 0, height));

    /// <summary>Scaled per axis (a resize from one frame to another).</summary>
    public BoxXyxy Scale(double scaleX, double scaleY) => new(X1 * scaleX, Y1 * scaleY, X2 * scaleX, Y2 * scaleY);

    /// <summary>Mirrored left–right in an image of the given width: x → W − x (continuous coordinates).</summary>
    public BoxXyxy FlipHorizontal(int width) => new(width - X2, Y1, width - X1, Y2);

    /// <summary>Intersection over union with another box (0 when either is empty or they do not meet).</summary>
    public double Iou(BoxXyxy other)
    {
        var w = Math.Min(X2, other.X2) - Math.Max(X1, other.X1);
        var h = Math.Min(Y2, other.Y2) - Math.Max(Y1, other.Y1);
        if (!(w > 0) || !(h > 0) || IsEmpty || other.IsEmpty) return 0;
        var inter = w * h;
        return inter / (Width * Height + other.Width * other.Height - inter);
    }

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"[{X1:0.###}, {Y1:0.###}, {X2:0.###}, {Y2:0.###}]");
}
