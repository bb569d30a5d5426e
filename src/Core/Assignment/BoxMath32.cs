namespace Research.Core.Assignment;

/// <summary>
/// Float32 box arithmetic exactly as the reference performs it: cvpods <c>Boxes</c> casts every box to
/// float32 (structures/boxes.py l.150), so IoU, predicted boxes inside the assignment and regression
/// targets are float32 whatever the head dtype. Each helper evaluates the same operations in the same
/// order as the torch expressions it mirrors, so results are bit-identical.
/// </summary>
internal static class BoxMath32
{
    /// <summary>
    /// Predicted box of a shift (cvpods apply_deltas then <c>Boxes(...)</c>): the subtraction/addition
    /// runs in the head dtype (double here holds float32 operands exactly, and one rounding of an exact
    /// double result to float equals the float32 operation) and the box is then cast to float32.
    /// </summary>
    public static void PredictedBox(float sx, float sy, double l, double t, double r, double b, double[] weights, Span<float> box)
    {
        box[0] = (float)(sx - (weights[0] == 1 ? l : l / weights[0]));
        box[1] = (float)(sy - (weights[1] == 1 ? t : t / weights[1]));
        box[2] = (float)(sx + (weights[2] == 1 ? r : r / weights[2]));
        box[3] = (float)(sy + (weights[3] == 1 ? b : b / weights[3]));
    }

    /// <summary>Area (x2 − x1)·(y2 − y1) in float32 (cvpods Boxes.area, not clamped).</summary>
    public static float Area(float x1, float y1, float x2, float y2) => (x2 - x1) * (y2 - y1);

    /// <summary>Intersection area as cvpods pairwise_iou computes it (widths clamped at 0).</summary>
    public static float Intersection(float ax1, float ay1, float ax2, float ay2, float bx1, float by1, float bx2, float by2)
    {
        float w = MathF.Min(ax2, bx2) - MathF.Max(ax1, bx1);
        float h = MathF.Min(ay2, by2) - MathF.Max(ay1, by1);
        if (w < 0) w = 0;
        if (h < 0) h = 0;
        return w * h;
    }

    /// <summary>IoU of cvpods pairwise_iou: inter / (area1 + area2 − inter) where inter &gt; 0, else exactly 0.</summary>
    public static float Iou(float inter, float area1, float area2) => inter > 0 ? inter / (area1 + area2 - inter) : 0f;
}
