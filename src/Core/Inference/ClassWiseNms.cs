using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Inference;

/// <summary>
/// Greedy non-maximum suppression run separately per class (the semantics of torchvision's batched_nms,
/// which cvpods' generalized_batched_nms "normal" calls): a box is suppressed by a higher-scoring kept box
/// of the same class when their IoU is &gt; the threshold (strict). Used only for the NMS ablation.
/// </summary>
public static class ClassWiseNms
{
    /// <summary>
    /// boxes (D, 4) XYXY, scores (D), classes (D) int64 → kept indices (D') int64 into the inputs, sorted by
    /// score descending (ties keep input order).
    /// </summary>
    public static Tensor Keep(Tensor boxes, Tensor scores, Tensor classes, double iouThreshold)
    {
        var count = (int)boxes.shape[0];
        if (count == 0) return zeros(0, dtype: ScalarType.Int64);
        using var scope = NewDisposeScope();
        var b = boxes.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        var s = scores.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        var c = classes.detach().to(ScalarType.Int64).cpu().contiguous().data<long>().ToArray();
        var order = Enumerable.Range(0, count).OrderByDescending(i => s[i]).ToArray();   // stable
        var areas = new float[count];
        for (var i = 0; i < count; i++) areas[i] = (b[4 * i + 2] - b[4 * i]) * (b[4 * i + 3] - b[4 * i + 1]);
        var suppressed = new bool[count];
        var kept = new List<long>();
        var threshold = (float)iouThreshold;
        for (var oi = 0; oi < count; oi++)
        {
            var i = order[oi];
            if (suppressed[i]) continue;
            kept.Add(i);
            for (var oj = oi + 1; oj < count; oj++)
            {
                var j = order[oj];
                if (suppressed[j] || c[j] != c[i]) continue;
                // Same arithmetic as torchvision's CPU nms kernel (float32).
                var w = Math.Max(0f, Math.Min(b[4 * i + 2], b[4 * j + 2]) - Math.Max(b[4 * i], b[4 * j]));
                var h = Math.Max(0f, Math.Min(b[4 * i + 3], b[4 * j + 3]) - Math.Max(b[4 * i + 1], b[4 * j + 1]));
                var inter = w * h;
                var iou = inter / (areas[i] + areas[j] - inter);
                if (iou > threshold) suppressed[j] = true;
            }
        }
        return tensor(kept.ToArray(), dtype: ScalarType.Int64).to(boxes.device).MoveToOuterDisposeScope();
    }
}
