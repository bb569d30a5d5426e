namespace Research.Core.Data;

/// <summary>
/// One shape of a synthetic scene: a class, a centre, box width/height and shape parameters. A pixel
/// belongs to the shape when its centre (x + 0.5, y + 0.5) is inside; the ground-truth box is the full
/// geometric (amodal) box, even where other shapes hide parts of it.
/// </summary>
internal readonly record struct SyntheticShape(int Class, double Cx, double Cy, double W, double H, int Orientation, double InnerRatio)
{
    /// <summary>Shape names in class order.</summary>
    public static readonly IReadOnlyList<string> Names = new[] { "rectangle", "ellipse", "triangle", "ring", "cross", "diamond" };

    /// <summary>The amodal box, XYXY pixels.</summary>
    public BoxXyxy Box => new(Cx - W / 2, Cy - H / 2, Cx + W / 2, Cy + H / 2);

    /// <summary>Whether the point (px, py) lies in the shape.</summary>
    public bool Contains(double px, double py)
    {
        var u = (px - Cx) / (W / 2);   // −1..1 across the box
        var v = (py - Cy) / (H / 2);
        if (u < -1 || u > 1 || v < -1 || v > 1) return false;
        switch (Class)
        {
            case 0: return true;                                                    // filled rectangle
            case 1: return u * u + v * v <= 1;                                      // filled ellipse
            case 2:                                                                 // triangle, apex up/down/left/right
                var (a, b) = Orientation switch { 0 => (u, v), 1 => (u, -v), 2 => (v, u), _ => (v, -u) };
                return Math.Abs(a) <= (b + 1) / 2;
            case 3:                                                                 // elliptic ring
                var r = u * u + v * v;
                return r <= 1 && r >= InnerRatio * InnerRatio;
            case 4: return Math.Abs(u) <= 0.34 || Math.Abs(v) <= 0.34;             // plus-shaped cross
            default: return Math.Abs(u) + Math.Abs(v) <= 1;                         // diamond
        }
    }
}
