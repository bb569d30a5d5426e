namespace Research.Core.Data;

/// <summary>
/// A standing person-like figure of the synthetic crowd: head (ellipse), neck, shoulders and arms tapering to
/// the hips, two legs. In box coordinates u = (x − left)/W, v = (y − top)/H the silhouette fills the box: the
/// head touches v = 0, the feet v = 1, the shoulders reach u ≈ 0.02…0.98. A pixel belongs to the figure when
/// its centre (x + 0.5, y + 0.5) is inside; the full box is the geometric (amodal) box, wherever it is hidden.
/// </summary>
/// <param name="Cx">Horizontal centre, pixels.</param>
/// <param name="FeetY">Bottom edge (where the feet stand), pixels.</param>
/// <param name="Height">Box height H, pixels.</param>
/// <param name="Width">Box width W, pixels.</param>
/// <param name="Stance">Horizontal distance of each foot from the centre line, as a fraction of W (0.12…0.3).</param>
internal readonly record struct SyntheticFigure(double Cx, double FeetY, double Height, double Width, double Stance)
{
    private const double HeadRadiusU = 0.13, HeadRadiusV = 0.07;
    private const double ShoulderTop = 0.16, ShoulderRound = 0.05, HipV = 0.56;
    private const double LegHalfWidthHip = 0.1, LegHalfWidthFoot = 0.065, LegHipOffset = 0.11;

    /// <summary>The full (amodal) box, XYXY pixels.</summary>
    public BoxXyxy Box => new(Cx - Width / 2, FeetY - Height, Cx + Width / 2, FeetY);

    /// <summary>The head's box (CrowdHuman `hbox`), XYXY pixels.</summary>
    public BoxXyxy HeadBox => new(Cx - HeadRadiusU * Width, FeetY - Height, Cx + HeadRadiusU * Width, FeetY - Height + 2 * HeadRadiusV * Height);

    /// <summary>Which part the point (px, py) lies in: 0 outside, 1 head, 2 upper body (neck, torso, arms), 3 legs.</summary>
    public int PartAt(double px, double py)
    {
        var u = (px - Cx) / Width;             // −0.5 … 0.5 across the box
        var v = (py - (FeetY - Height)) / Height;
        if (v < 0 || v > 1 || u < -0.5 || u > 0.5) return 0;
        var du = u / HeadRadiusU;
        var dv = (v - HeadRadiusV) / HeadRadiusV;
        if (du * du + dv * dv <= 1) return 1;
        if (v >= 2 * HeadRadiusV - 0.01 && v < ShoulderTop && Math.Abs(u) <= 0.06) return 2;      // neck
        if (v >= ShoulderTop && v <= HipV)
        {
            // Shoulders round off over the first ShoulderRound of height; arms hang slightly inwards to the hips.
            var half = 0.48 - 0.1 * (v - ShoulderTop) / (HipV - ShoulderTop);
            var round = (v - ShoulderTop) / ShoulderRound;
            if (round < 1) half = Math.Min(half, 0.16 + 0.32 * Math.Sqrt(round * (2 - round)));
            if (Math.Abs(u) <= half) return 2;
        }
        if (v > HipV - 0.01)
        {
            var t = (v - HipV) / (1 - HipV);                                                      // 0 at the hips, 1 at the feet
            var centre = LegHipOffset + (Stance - LegHipOffset) * t;
            var half = LegHalfWidthHip + (LegHalfWidthFoot - LegHalfWidthHip) * t;
            if (Math.Abs(Math.Abs(u) - centre) <= half) return 3;
        }
        return 0;
    }
}
