namespace Research.Core.Data.Crops;

/// <summary>
/// One axis-aligned box, XYXY in absolute continuous pixel coordinates (pixel i covers [i, i + 1), its
/// centre is i + 0.5), in doubles so frame ↔ crop round trips lose nothing before tensors are made.
/// </summary>
public readonly record struct BoxXyxy(double X1, double Y1, double X2, double Y2)
{
    /// <summary>Width X2 − X1 (negative for an inverted box).</summary>
    public double Width => X2 - X1;

    /// <summary>Height Y2 − Y1 (negative for an inverted box).</summary>
    public double Height => Y2 - Y1;

    /// <summary>Centre x.</summary>
    public double CenterX => 0.5 * (X1 + X2);

    /// <summary>Centre y.</summary>
    public double CenterY => 0.5 * (Y1 + Y2);

    /// <summary>Area, 0 for empty or inverted boxes.</summary>
    public double Area => Math.Max(0, Width) * Math.Max(0, Height);

    /// <summary>From the benchmark format x, y (top-left), w, h.</summary>
    public static BoxXyxy FromXywh(double x, double y, double w, double h) => new(x, y, x + w, y + h);

    /// <summary>From a centre and a size.</summary>
    public static BoxXyxy FromCenter(double cx, double cy, double w, double h) => new(cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h);

    /// <summary>This box clipped to [0, width] × [0, height].</summary>
    public BoxXyxy ClipTo(double width, double height) =>
        new(Math.Clamp(X1, 0, width), Math.Clamp(Y1, 0, height), Math.Clamp(X2, 0, width), Math.Clamp(Y2, 0, height));

    /// <summary>"x1,y1,x2,y2" with round-trip precision, for messages.</summary>
    public override string ToString() => FormattableString.Invariant($"[{X1:R}, {Y1:R}, {X2:R}, {Y2:R}]");
}
