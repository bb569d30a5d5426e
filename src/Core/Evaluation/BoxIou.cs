namespace Research.Core.Evaluation;

/// <summary>
/// IoU of COCO XYWH boxes exactly as pycocotools' C <c>bbIou</c> (common/maskApi.c) computes it in doubles,
/// same order of operations, so IoUs at (or one ulp from) a threshold fall on the same side.
/// </summary>
internal static class BoxIou
{
    /// <summary>
    /// IoU of a detection (dx, dy, dw, dh) with a GT box; for a crowd GT the union is the detection's own box
    /// area (intersection over detection). Non-overlapping boxes give 0.
    /// </summary>
    public static double Compute(double dx, double dy, double dw, double dh, double gx, double gy, double gw, double gh, bool crowd)
    {
        var w = Math.Min(dw + dx, gw + gx) - Math.Max(dx, gx);
        if (w <= 0) return 0;
        var h = Math.Min(dh + dy, gh + gy) - Math.Max(dy, gy);
        if (h <= 0) return 0;
        var i = w * h;
        var da = dw * dh;
        var u = crowd ? da : da + gw * gh - i;
        return i / u;
    }
}
