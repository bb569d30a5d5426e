namespace Research.Core.Assignment;

/// <summary>
/// (image, GT, shift) pairs of the auxiliary assignment grouped by (image, GT, level), with their
/// float32 IoU. In window mode only shifts whose predicted box overlaps the GT are listed (IoU &gt; 0);
/// found by binary search with the level's largest deltas as a bound, then tested exactly.
/// </summary>
internal sealed class AuxPairs
{
    private readonly AssignmentInputs _input;
    private readonly double[] _weights;
    private readonly List<int> _groupStart = new() { 0 };
    private readonly Dictionary<(int, int), double[]> _maxDelta = new();

    public AuxPairs(AssignmentInputs input, double[] weights)
    {
        _input = input;
        _weights = weights;
    }

    public List<int> Image { get; } = new();
    public List<int> Gt { get; } = new();
    public List<int> Shift { get; } = new();
    public List<float> Iou { get; } = new();
    public int Count => Shift.Count;

    /// <summary>Pair range [start, end) of group g (groups are added in (image, GT, level) order).</summary>
    public (int Start, int End) Group(int g) => (_groupStart[g], _groupStart[g + 1]);

    /// <summary>Flat (N·R·K) index of each pair's logit for its GT's class.</summary>
    public long[] ClsIndex(int k, int r)
    {
        var idx = new long[Count];
        for (int t = 0; t < Count; t++) idx[t] = ((long)Image[t] * r + Shift[t]) * k + _input.Classes[Image[t]][Gt[t]];
        return idx;
    }

    /// <summary>Lists the pairs of GT i of image n on level l (all shifts if dense) as one group.</summary>
    public void AddLevel(int n, int i, int l, bool dense)
    {
        var grid = _input.Grid;
        var boxes = _input.Boxes[n];
        var d = _input.Deltas[n];
        float x1 = boxes[4 * i], y1 = boxes[4 * i + 1], x2 = boxes[4 * i + 2], y2 = boxes[4 * i + 3];
        float area1 = BoxMath32.Area(x1, y1, x2, y2);
        int xlo = 0, xhi = grid.Widths[l], ylo = 0, yhi = grid.Heights[l];
        if (!dense)
        {
            // predicted x2 = sx + r ≤ sx + max r, x1 ≥ sx − max l: overlap needs x2 > gx1 and x1 < gx2
            var mx = MaxDeltas(n, l);
            (xlo, xhi) = ShiftGrid.Range(grid.Xs[l], sx => (float)(sx + mx[2]) > x1, sx => (float)(sx - mx[0]) < x2);
            (ylo, yhi) = ShiftGrid.Range(grid.Ys[l], sy => (float)(sy + mx[3]) > y1, sy => (float)(sy - mx[1]) < y2);
        }
        Span<float> pb = stackalloc float[4];
        for (int iy = ylo; iy < yhi; iy++)
            for (int ix = xlo; ix < xhi; ix++)
            {
                int r = grid.LevelStart[l] + iy * grid.Widths[l] + ix;
                BoxMath32.PredictedBox(grid.X[r], grid.Y[r], d[4 * r], d[4 * r + 1], d[4 * r + 2], d[4 * r + 3], _weights, pb);
                float inter = BoxMath32.Intersection(x1, y1, x2, y2, pb[0], pb[1], pb[2], pb[3]);
                if (!dense && !(inter > 0)) continue;
                Image.Add(n); Gt.Add(i); Shift.Add(r);
                Iou.Add(BoxMath32.Iou(inter, area1, BoxMath32.Area(pb[0], pb[1], pb[2], pb[3])));
            }
        _groupStart.Add(Count);
    }

    /// <summary>Largest decoded (l, t, r, b) distance over the shifts of level l in image n.</summary>
    private double[] MaxDeltas(int n, int l)
    {
        if (_maxDelta.TryGetValue((n, l), out var m)) return m;
        var grid = _input.Grid;
        var d = _input.Deltas[n];
        m = new double[] { double.NegativeInfinity, double.NegativeInfinity, double.NegativeInfinity, double.NegativeInfinity };
        for (int r = grid.LevelStart[l]; r < grid.LevelStart[l + 1]; r++)
            for (int c = 0; c < 4; c++)
            {
                double v = _weights[c] == 1 ? d[4 * r + c] : d[4 * r + c] / _weights[c];
                if (v > m[c]) m[c] = v;
            }
        _maxDelta[(n, l)] = m;
        return m;
    }
}
