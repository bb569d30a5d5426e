namespace Research.Core.Assignment;

/// <summary>
/// The shifts of all levels viewed as per-level grids: level l holds H_l·W_l shifts starting at
/// <see cref="LevelStart"/>[l], row-major, shift (y, x) at (Xs[l][x], Ys[l][y]) with strictly increasing
/// coordinates (the layout of ShiftGenerator, DESIGN §4). Lets the assignment enumerate the shifts of a
/// box by binary search instead of testing all R.
/// </summary>
internal sealed class ShiftGrid
{
    public ShiftGrid(float[] xy, IReadOnlyList<(int Height, int Width)> sizes)
    {
        int levels = sizes.Count;
        LevelStart = new int[levels + 1];
        Heights = new int[levels];
        Widths = new int[levels];
        Xs = new float[levels][];
        Ys = new float[levels][];
        X = new float[xy.Length / 2];
        Y = new float[xy.Length / 2];
        for (int r = 0; r < X.Length; r++) { X[r] = xy[2 * r]; Y[r] = xy[2 * r + 1]; }
        int start = 0;
        for (int l = 0; l < levels; l++)
        {
            var (h, w) = sizes[l];
            Heights[l] = h; Widths[l] = w; LevelStart[l] = start;
            Xs[l] = new float[w];
            Ys[l] = new float[h];
            if (start + h * w > X.Length) throw new ArgumentException($"shifts hold {X.Length} positions but the level sizes need more (level {l} is {h}×{w})");
            for (int x = 0; x < w; x++) Xs[l][x] = X[start + x];
            for (int y = 0; y < h; y++) Ys[l][y] = Y[start + y * w];
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    int r = start + y * w + x;
                    if (X[r] != Xs[l][x] || Y[r] != Ys[l][y])
                        throw new ArgumentException($"shifts of level {l} are not a row-major grid (position {r})");
                }
            for (int x = 1; x < w; x++) if (!(Xs[l][x] > Xs[l][x - 1])) throw new ArgumentException($"shift x coordinates of level {l} are not increasing");
            for (int y = 1; y < h; y++) if (!(Ys[l][y] > Ys[l][y - 1])) throw new ArgumentException($"shift y coordinates of level {l} are not increasing");
            start += h * w;
        }
        LevelStart[levels] = start;
        if (start != X.Length) throw new ArgumentException($"shifts hold {X.Length} positions but the level sizes sum to {start}");
    }

    /// <summary>Number of levels L.</summary>
    public int Levels => Heights.Length;

    /// <summary>Total number of shifts R.</summary>
    public int Count => X.Length;

    public int[] LevelStart { get; }
    public int[] Heights { get; }
    public int[] Widths { get; }
    public float[][] Xs { get; }
    public float[][] Ys { get; }
    public float[] X { get; }
    public float[] Y { get; }

    /// <summary>
    /// Index range [lo, hi) of a sorted coordinate array where both predicates hold, given that
    /// it holds on a contiguous range (the predicates used are "above a bound and below a bound", each
    /// monotone in the coordinate).
    /// </summary>
    public static (int Lo, int Hi) Range(float[] coords, Func<float, bool> above, Func<float, bool> below)
    {
        // first index where above() holds (above is false then true), first index where below() fails
        int lo = 0, hi = coords.Length;
        while (lo < hi) { int m = (lo + hi) >> 1; if (above(coords[m])) hi = m; else lo = m + 1; }
        int a = lo;
        lo = a; hi = coords.Length;
        while (lo < hi) { int m = (lo + hi) >> 1; if (below(coords[m])) lo = m + 1; else hi = m; }
        return (a, lo);
    }
}
