namespace Research.Core.Assignment;

/// <summary>
/// One solution of a linear assignment problem: pairs (Rows[t], Columns[t]) sorted by row. For an M × R
/// problem there are min(M, R) pairs.
/// </summary>
public sealed record AssignmentResult(int[] Rows, int[] Columns)
{
    /// <summary>Number of assigned pairs, min(M, R).</summary>
    public int Count => Rows.Length;
}

/// <summary>
/// Rectangular linear sum assignment (Hungarian method, shortest augmenting path; Crouse 2016,
/// "On implementing 2D rectangular assignment algorithms", pp. 1685-1686). This is the algorithm that
/// scipy's <c>linear_sum_assignment</c> runs and that the DeFCN reference calls (fcos.py l.318); the
/// column scan order and the tie rule below follow it so that ties are broken the same way:
/// columns are scanned from the last to the first, a strictly smaller reduced cost wins, and on equal
/// cost a free column wins over an assigned one (so among tied free columns the lowest index wins,
/// which is why a GT without candidates takes the lowest free column).
/// </summary>
public static partial class LinearAssignment
{
    /// <summary>
    /// Solves an M × R problem given as a dense row-major matrix. Maximises the total when
    /// <paramref name="maximize"/>; forbidden pairs are −∞ (maximise) / +∞ (minimise) entries or
    /// <c>true</c> entries of <paramref name="forbidden"/> (same shape). Every row (M ≤ R) or every
    /// column (M > R) is assigned. NaN, or an infinity of the wrong sign, is an error; so is a matrix in
    /// which the forbidden entries leave no complete assignment.
    /// </summary>
    public static AssignmentResult Solve(double[,] cost, bool maximize = false, bool[,]? forbidden = null)
    {
        int nr = cost.GetLength(0), nc = cost.GetLength(1);
        if (forbidden != null && (forbidden.GetLength(0) != nr || forbidden.GetLength(1) != nc))
            throw new ArgumentException($"forbidden mask is {forbidden.GetLength(0)}×{forbidden.GetLength(1)} but the cost matrix is {nr}×{nc}", nameof(forbidden));
        var flat = new double[nr * nc];
        bool[]? mask = forbidden == null ? null : new bool[nr * nc];
        for (int i = 0; i < nr; i++)
            for (int j = 0; j < nc; j++)
            {
                flat[i * nc + j] = cost[i, j];
                if (mask != null) mask[i * nc + j] = forbidden![i, j];
            }
        return Solve(flat, nr, nc, maximize, mask);
    }

    /// <summary>
    /// Solves an M × R problem given as a row-major span of M·R costs (entry (i, j) at i·R + j).
    /// Same rules as <see cref="Solve(double[,], bool, bool[,])"/>.
    /// </summary>
    public static AssignmentResult Solve(ReadOnlySpan<double> cost, int rows, int cols, bool maximize = false, ReadOnlySpan<bool> forbidden = default)
    {
        if (rows < 0 || cols < 0) throw new ArgumentException($"negative shape {rows}×{cols}");
        if (cost.Length != (long)rows * cols) throw new ArgumentException($"cost has {cost.Length} entries, expected {rows}×{cols} = {(long)rows * cols}", nameof(cost));
        if (!forbidden.IsEmpty && forbidden.Length != cost.Length) throw new ArgumentException($"forbidden has {forbidden.Length} entries, expected {cost.Length}", nameof(forbidden));
        if (rows == 0 || cols == 0) return new AssignmentResult(Array.Empty<int>(), Array.Empty<int>());

        // Work on a minimisation problem with at least as many columns as rows (the transpose otherwise).
        bool transpose = cols < rows;
        int nr = transpose ? cols : rows, nc = transpose ? rows : cols;
        var c = new double[nr * nc];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
            {
                int k = i * cols + j;
                double x = cost[k];
                if (double.IsNaN(x)) throw new ArgumentException($"cost entry ({i}, {j}) is NaN", nameof(cost));
                if (maximize ? double.IsPositiveInfinity(x) : double.IsNegativeInfinity(x))
                    throw new ArgumentException($"cost entry ({i}, {j}) is {x}; forbidden pairs are {(maximize ? "−∞ when maximising" : "+∞ when minimising")}", nameof(cost));
                double m = maximize ? -x : x;
                if (!forbidden.IsEmpty && forbidden[k]) m = double.PositiveInfinity;
                c[transpose ? j * nc + i : i * nc + j] = m;
            }

        var col4row = SolveMinimise(c, nr, nc);
        var rowsOut = new int[nr];
        var colsOut = new int[nr];
        if (!transpose)
        {
            for (int i = 0; i < nr; i++) { rowsOut[i] = i; colsOut[i] = col4row[i]; }
        }
        else
        {
            // Row t of the transposed problem is original column t, matched to original row col4row[t];
            // report the pairs sorted by original row.
            var order = Enumerable.Range(0, nr).OrderBy(t => col4row[t]).ToArray();
            for (int k = 0; k < nr; k++) { rowsOut[k] = col4row[order[k]]; colsOut[k] = order[k]; }
        }
        return new AssignmentResult(rowsOut, colsOut);
    }

    /// <summary>Total of the original costs over the pairs of <paramref name="result"/>.</summary>
    public static double Total(double[,] cost, AssignmentResult result)
    {
        double s = 0;
        for (int t = 0; t < result.Count; t++) s += cost[result.Rows[t], result.Columns[t]];
        return s;
    }

    /// <summary>
    /// Core solver: minimises over a row-major nr × nc matrix (nr ≤ nc, entries finite or +∞) and
    /// returns the column of every row.
    /// </summary>
    /// <summary>
    /// Flips the alternating path ending at column <paramref name="sink"/> back to <paramref name="curRow"/>:
    /// every column on it takes the row that reached it (scipy's augmentation step; shared by both solvers).
    /// </summary>
    private static void AugmentAlongPath(int[] path, int[] row4col, int[] col4row, int sink, int curRow)
    {
        int jj = sink;
        while (true)
        {
            int r = path[jj];
            row4col[jj] = r;
            (col4row[r], jj) = (jj, col4row[r]);
            if (r == curRow) break;
        }
    }

    private static int[] SolveMinimise(double[] cost, int nr, int nc)
    {
        var u = new double[nr];
        var v = new double[nc];
        var spc = new double[nc];          // shortest path cost to each column in the current search
        var path = new int[nc];            // row preceding each column on its shortest path
        var col4row = new int[nr];
        var row4col = new int[nc];
        var scannedRow = new bool[nr];
        var scannedCol = new bool[nc];
        var remaining = new int[nc];
        Array.Fill(path, -1);
        Array.Fill(col4row, -1);
        Array.Fill(row4col, -1);

        for (int curRow = 0; curRow < nr; curRow++)
        {
            // Dijkstra-like search for the shortest augmenting path starting at curRow.
            double minVal = 0;
            int numRemaining = nc;
            for (int it = 0; it < nc; it++) remaining[it] = nc - it - 1;   // scan from the last column
            Array.Fill(scannedRow, false);
            Array.Fill(scannedCol, false);
            Array.Fill(spc, double.PositiveInfinity);
            int i = curRow, sink = -1;
            while (sink == -1)
            {
                int index = -1;
                double lowest = double.PositiveInfinity;
                scannedRow[i] = true;
                int baseK = i * nc;
                for (int it = 0; it < numRemaining; it++)
                {
                    int j = remaining[it];
                    double r = minVal + cost[baseK + j] - u[i] - v[j];
                    if (r < spc[j]) { path[j] = i; spc[j] = r; }
                    // On a tie prefer a free column: it ends the search (matters for integer costs).
                    if (spc[j] < lowest || (spc[j] == lowest && row4col[j] == -1)) { lowest = spc[j]; index = it; }
                }
                minVal = lowest;
                if (double.IsPositiveInfinity(minVal))
                    throw new InvalidOperationException("the cost matrix is infeasible: the forbidden entries leave no complete assignment");
                int jSel = remaining[index];
                if (row4col[jSel] == -1) sink = jSel; else i = row4col[jSel];
                scannedCol[jSel] = true;
                remaining[index] = remaining[--numRemaining];
            }

            // Update the dual variables.
            u[curRow] += minVal;
            for (int r = 0; r < nr; r++)
                if (scannedRow[r] && r != curRow) u[r] += minVal - spc[col4row[r]];
            for (int j = 0; j < nc; j++)
                if (scannedCol[j]) v[j] -= minVal - spc[j];

            AugmentAlongPath(path, row4col, col4row, sink, curRow);
        }
        return col4row;
    }
}
