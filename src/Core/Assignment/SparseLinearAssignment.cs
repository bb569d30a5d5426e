namespace Research.Core.Assignment;

public static partial class LinearAssignment
{
    /// <summary>
    /// Solves a <see cref="SparseAssignmentProblem"/> and returns exactly the pairs that
    /// <see cref="Solve(ReadOnlySpan{double}, int, int, bool, ReadOnlySpan{bool})"/> returns on its dense
    /// matrix (ties included), in time that grows with the number of listed entries instead of M·R.
    /// The default value must be finite; listed entries follow the dense rules (−∞ forbidden when
    /// maximising, +∞ when minimising). M > R falls back to the dense solver.
    /// </summary>
    /// <remarks>
    /// Why this is exact. Call a column "plain" while it is listed in no row and assigned to no row.
    /// In the dense search every plain column j has the same cost D in every row, and v[j] = 0: the
    /// duals only change on columns selected during a search, and a selected column is either
    /// assigned already or becomes the sink and is assigned. So within one search all plain columns
    /// receive the same candidate values minVal + D − u[i] − 0 in the same order, and hold the same
    /// shortest-path cost and predecessor row; they differ only by their position in the scan list
    /// <c>remaining</c>. The selection loop (strictly smaller wins; on equal cost a free column wins)
    /// ends at: among the entries attaining the minimum, the free one at the largest scan position
    /// if any, otherwise the one at the smallest position. Plain columns are free, so the only plain
    /// column that can ever be selected is the one at the largest position, which we read from the
    /// scan list kept implicitly (position p holds column R − 1 − p until a swap-removal moves
    /// something there). Everything else (listed or assigned columns, rows, duals, augmentation) is
    /// simulated entry by entry with the same floating-point expressions in the same order, so every
    /// selection, dual update and augmentation equals the dense run's, hence so does the result.
    /// </remarks>
    public static AssignmentResult SolveSparse(SparseAssignmentProblem problem, bool maximize = false)
    {
        int nr = problem.Rows, nc = problem.Cols;
        if (nr == 0 || nc == 0) return new AssignmentResult(Array.Empty<int>(), Array.Empty<int>());
        if (!double.IsFinite(problem.DefaultValue))
            throw new ArgumentException($"the default value must be finite, got {problem.DefaultValue}", nameof(problem));
        if (nr > nc) return Solve(problem.ToDense(), nr, nc, maximize);

        double defaultCost = maximize ? -problem.DefaultValue : problem.DefaultValue;
        var rowStart = problem.RowStart;
        int nnz = problem.Columns.Length;

        // Special columns: listed anywhere, plus (later) plain columns that become a sink.
        var specOf = new int[nc];
        Array.Fill(specOf, -1);
        int cap = nnz + nr;
        var specCol = new int[cap];
        int nSpec = 0;
        var entSpec = new int[nnz];
        var entCost = new double[nnz];
        var lastRow = new int[cap];
        Array.Fill(lastRow, -1);
        for (int i = 0; i < nr; i++)
            for (int k = rowStart[i]; k < rowStart[i + 1]; k++)
            {
                int col = problem.Columns[k];
                double x = problem.Values[k];
                if (double.IsNaN(x)) throw new ArgumentException($"cost entry ({i}, {col}) is NaN", nameof(problem));
                if (maximize ? double.IsPositiveInfinity(x) : double.IsNegativeInfinity(x))
                    throw new ArgumentException($"cost entry ({i}, {col}) is {x}; forbidden pairs are {(maximize ? "−∞ when maximising" : "+∞ when minimising")}", nameof(problem));
                if (specOf[col] == -1) { specOf[col] = nSpec; specCol[nSpec++] = col; }
                int s = specOf[col];
                if (lastRow[s] == i) throw new ArgumentException($"column {col} is listed twice in row {i}", nameof(problem));
                lastRow[s] = i;
                entSpec[k] = s;
                entCost[k] = maximize ? -x : x;
            }
        int nPlain = nc - nSpec;

        var u = new double[nr];
        var v = new double[cap];
        var spc = new double[cap];
        var path = new int[cap];
        var row4col = new int[cap];
        var col4row = new int[nr];
        var scannedCol = new bool[cap];
        var scannedRow = new bool[nr];
        var rowCost = new double[cap];
        Array.Fill(rowCost, defaultCost);
        Array.Fill(row4col, -1);
        Array.Fill(col4row, -1);
        Array.Fill(path, -1);
        var colAtPos = new Dictionary<int, int>();   // scan-list positions moved by swap-removal
        var posOfCol = new Dictionary<int, int>();
        var scannedRows = new List<int>();

        int ColAt(int p) => colAtPos.TryGetValue(p, out var c) ? c : nc - 1 - p;
        int PosOf(int col) => posOfCol.TryGetValue(col, out var p) ? p : nc - 1 - col;

        for (int curRow = 0; curRow < nr; curRow++)
        {
            double minVal = 0;
            int numRemaining = nc;
            colAtPos.Clear();
            posOfCol.Clear();
            foreach (var r in scannedRows) scannedRow[r] = false;
            scannedRows.Clear();
            Array.Fill(scannedCol, false, 0, nSpec);
            Array.Fill(spc, double.PositiveInfinity, 0, nSpec);
            double plainSpc = double.PositiveInfinity;
            int plainPath = -1;
            int i = curRow, sink = -1;
            while (sink == -1)
            {
                scannedRow[i] = true;
                scannedRows.Add(i);
                for (int k = rowStart[i]; k < rowStart[i + 1]; k++) rowCost[entSpec[k]] = entCost[k];
                for (int s = 0; s < nSpec; s++)
                {
                    if (scannedCol[s]) continue;
                    double r = minVal + rowCost[s] - u[i] - v[s];
                    if (r < spc[s]) { path[s] = i; spc[s] = r; }
                }
                for (int k = rowStart[i]; k < rowStart[i + 1]; k++) rowCost[entSpec[k]] = defaultCost;
                if (nPlain > 0)
                {
                    double r = minVal + defaultCost - u[i] - 0.0;
                    if (r < plainSpc) { plainPath = i; plainSpc = r; }
                }

                // Minimum over the remaining columns.
                double lowest = nPlain > 0 ? plainSpc : double.PositiveInfinity;
                for (int s = 0; s < nSpec; s++)
                    if (!scannedCol[s] && spc[s] < lowest) lowest = spc[s];
                if (double.IsPositiveInfinity(lowest))
                    throw new InvalidOperationException("the cost matrix is infeasible: the forbidden entries leave no complete assignment");

                // Tie rule of the dense scan: the free column at the largest position, else the first.
                int bestFree = -1, bestFreePos = -1, bestAny = -1, bestAnyPos = int.MaxValue;
                for (int s = 0; s < nSpec; s++)
                {
                    if (scannedCol[s] || spc[s] != lowest) continue;
                    int p = PosOf(specCol[s]);
                    if (row4col[s] == -1) { if (p > bestFreePos) { bestFreePos = p; bestFree = s; } }
                    else if (p < bestAnyPos) { bestAnyPos = p; bestAny = s; }
                }
                int plainPick = -1;
                if (nPlain > 0 && plainSpc == lowest)
                {
                    for (int p = numRemaining - 1; p >= 0; p--)
                    {
                        int c = ColAt(p);
                        if (specOf[c] == -1) { if (p > bestFreePos) plainPick = c; break; }
                    }
                }

                minVal = lowest;
                if (plainPick >= 0)
                {
                    // A plain column becomes the sink: give it its own state (v = 0, shared spc/path).
                    int s = nSpec++;
                    specCol[s] = plainPick;
                    specOf[plainPick] = s;
                    nPlain--;
                    v[s] = 0;
                    spc[s] = plainSpc;
                    path[s] = plainPath;
                    row4col[s] = -1;
                    scannedCol[s] = true;
                    sink = s;
                    break;
                }
                int sel = bestFree >= 0 ? bestFree : bestAny;
                if (row4col[sel] == -1) sink = sel; else i = row4col[sel];
                scannedCol[sel] = true;
                int pos = PosOf(specCol[sel]);
                int lastCol = ColAt(--numRemaining);
                colAtPos[pos] = lastCol;
                posOfCol[lastCol] = pos;
            }
            u[curRow] += minVal;
            foreach (var r in scannedRows)
                if (r != curRow) u[r] += minVal - spc[col4row[r]];
            for (int s = 0; s < nSpec; s++)
                if (scannedCol[s]) v[s] -= minVal - spc[s];

            AugmentAlongPath(path, row4col, col4row, sink, curRow);
        }

        var rows = new int[nr];
        var cols = new int[nr];
        for (int r = 0; r < nr; r++) { rows[r] = r; cols[r] = specCol[col4row[r]]; }
        return new AssignmentResult(rows, cols);
    }
}
