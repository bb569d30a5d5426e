namespace Research.Core.Tests.Assignment;

/// <summary>Exhaustive optimum of small assignment problems (DP over column subsets), with the number of optima.</summary>
internal static class BruteForceAssignment
{
    /// <summary>Best total (minimum or maximum), how many assignments reach it (within tol), and one of them.</summary>
    public static (double Best, long Count, int[] Cols) Solve(double[,] cost, bool maximize, double tol)
    {
        int nr = cost.GetLength(0), nc = cost.GetLength(1);
        bool transpose = nr > nc;
        int a = transpose ? nc : nr, b = transpose ? nr : nc;
        double C(int i, int j) { var x = transpose ? cost[j, i] : cost[i, j]; return maximize ? -x : x; }
        // dp over (row, used-column mask): minimal cost of assigning rows < row.
        var best = new double[a + 1, 1 << b];
        var count = new long[a + 1, 1 << b];
        for (int i = 0; i <= a; i++) for (int m = 0; m < (1 << b); m++) best[i, m] = double.PositiveInfinity;
        best[0, 0] = 0; count[0, 0] = 1;
        for (int i = 0; i < a; i++)
            for (int m = 0; m < (1 << b); m++)
            {
                if (double.IsPositiveInfinity(best[i, m])) continue;
                for (int j = 0; j < b; j++)
                {
                    if ((m & (1 << j)) != 0 || double.IsPositiveInfinity(C(i, j))) continue;
                    int m2 = m | (1 << j);
                    double val = best[i, m] + C(i, j);
                    if (val < best[i + 1, m2] - tol) { best[i + 1, m2] = val; count[i + 1, m2] = count[i, m]; }
                    else if (Math.Abs(val - best[i + 1, m2]) <= tol) count[i + 1, m2] += count[i, m];
                }
            }
        double opt = double.PositiveInfinity;
        for (int m = 0; m < (1 << b); m++) if (best[a, m] < opt - tol) opt = best[a, m];
        long total = 0;
        int bestMask = -1;
        for (int m = 0; m < (1 << b); m++)
            if (Math.Abs(best[a, m] - opt) <= tol) { total += count[a, m]; if (bestMask < 0) bestMask = m; }
        if (bestMask < 0) return (maximize ? double.NegativeInfinity : double.PositiveInfinity, 0, Array.Empty<int>());
        // reconstruct one optimum (rows of the possibly transposed problem)
        var cols = new int[a];
        int mask = bestMask;
        for (int i = a - 1; i >= 0; i--)
            for (int j = 0; j < b; j++)
            {
                if ((mask & (1 << j)) == 0) continue;
                int prev = mask & ~(1 << j);
                if (!double.IsPositiveInfinity(best[i, prev]) && Math.Abs(best[i, prev] + C(i, j) - best[i + 1, mask]) <= tol) { cols[i] = j; mask = prev; break; }
            }
        return (maximize ? -opt : opt, total, cols);
    }
}
