namespace Research.Core.Evaluation;

/// <summary>
/// <c>np.mean</c> of a 1-D float64 array, bit for bit as numpy 1.24 computes it: the sum runs over consecutive
/// 8192-element blocks (the ufunc buffer), each summed pairwise (numpy's <c>pairwise_sum</c>: a plain loop
/// below 8, eight accumulators up to 128, halves split at a multiple of 8 above), then divided by n. A plain
/// left-to-right sum differs by up to ~1e-14 (notes/coco-eval-reference.md §6).
/// </summary>
internal static class NumpyMean
{
    private const int BlockSize = 8192;

    /// <summary>Mean of <paramref name="values"/> (n ≥ 1).</summary>
    public static double Mean(ReadOnlySpan<double> values)
    {
        var sum = 0.0;
        for (var start = 0; start < values.Length; start += BlockSize)
            sum += PairwiseSum(values.Slice(start, Math.Min(BlockSize, values.Length - start)));
        return sum / values.Length;
    }

    private static double PairwiseSum(ReadOnlySpan<double> a)
    {
        var n = a.Length;
        if (n < 8)
        {
            var res = 0.0;
            for (var i = 0; i < n; i++) res += a[i];
            return res;
        }
        if (n <= 128)
        {
            double r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], r4 = a[4], r5 = a[5], r6 = a[6], r7 = a[7];
            var i = 8;
            for (; i < n - n % 8; i += 8)
            {
                r0 += a[i]; r1 += a[i + 1]; r2 += a[i + 2]; r3 += a[i + 3];
                r4 += a[i + 4]; r5 += a[i + 5]; r6 += a[i + 6]; r7 += a[i + 7];
            }
            var res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
            for (; i < n; i++) res += a[i];
            return res;
        }
        var n2 = n / 2;
        n2 -= n2 % 8;
        return PairwiseSum(a[..n2]) + PairwiseSum(a[n2..]);
    }
}
