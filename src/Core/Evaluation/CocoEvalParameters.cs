namespace Research.Core.Evaluation;

/// <summary>
/// The fixed parameters of pycocotools' bbox COCOeval (Params.setDetParams): 10 IoU thresholds, 101 recall
/// thresholds, 4 area ranges and 3 detection caps. They are generated exactly as numpy's <c>linspace</c> does,
/// because matching and recall lookups compare against them with <c>&gt;=</c> and a value one ulp off moves
/// results (notes/coco-eval-reference.md §2).
/// </summary>
public static class CocoEvalParameters
{
    /// <summary>
    /// IoU thresholds <c>np.linspace(.5, .95, 10)</c>: k·step + 0.5 with step = (0.95 − 0.5)/9, the last forced
    /// to 0.95. Index 8 is 0.8999999999999999 (one ulp below 0.9), as in pycocotools.
    /// </summary>
    public static IReadOnlyList<double> IouThresholds { get; } = Linspace(0.5, 0.95, 10);

    /// <summary>
    /// Recall thresholds <c>np.linspace(0, 1, 101)</c>: k·0.01, the last forced to 1.0 (several are one ulp
    /// above k/100, e.g. k = 35).
    /// </summary>
    public static IReadOnlyList<double> RecallThresholds { get; } = Linspace(0.0, 1.0, 101);

    /// <summary>Detection caps per (image, category): 1, 10, 100. The last one bounds matching.</summary>
    public static IReadOnlyList<int> MaxDetections { get; } = new[] { 1, 10, 100 };

    /// <summary>
    /// Area ranges on the GT <c>area</c> field, closed at both ends: all [0, 1e10], small [0, 32²],
    /// medium [32², 96²], large [96², 1e10].
    /// </summary>
    public static IReadOnlyList<(string Label, double Min, double Max)> AreaRanges { get; } = new[]
    {
        ("all", 0.0, 1e10), ("small", 0.0, 1024.0), ("medium", 1024.0, 9216.0), ("large", 9216.0, 1e10),
    };

    /// <summary>numpy 1.24 <c>linspace(start, stop, num)</c> with endpoint: y_k = k·((stop − start)/(num − 1)) + start, y_last = stop.</summary>
    internal static double[] Linspace(double start, double stop, int num)
    {
        var y = new double[num];
        var step = (stop - start) / (num - 1);
        for (var k = 0; k < num; k++) y[k] = k * step + start;
        y[num - 1] = stop;
        return y;
    }
}
