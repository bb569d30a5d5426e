namespace Research.Core.Evaluation;

/// <summary>
/// One ground-truth box of a CrowdHuman image as the evaluator uses it: XYXY in the original image frame
/// (absolute pixels, before clipping; x2 = x + w computed in double as the official tool does) and its role.
/// </summary>
/// <param name="X1">Left edge.</param>
/// <param name="Y1">Top edge.</param>
/// <param name="X2">Right edge (x + w).</param>
/// <param name="Y2">Bottom edge (y + h).</param>
/// <param name="Kind">Person, ignore region or the official "background" quirk.</param>
public readonly record struct CrowdHumanGtBox(double X1, double Y1, double X2, double Y2, CrowdHumanGtKind Kind)
{
    /// <summary>Builds a box from the file's XYWH form (<c>fbox</c> or <c>vbox</c>).</summary>
    public static CrowdHumanGtBox FromXywh(double x, double y, double width, double height, CrowdHumanGtKind kind) =>
        new(x, y, x + width, y + height, kind);
}
