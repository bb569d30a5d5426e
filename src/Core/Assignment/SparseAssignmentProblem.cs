namespace Research.Core.Assignment;

/// <summary>
/// An M × R assignment matrix in which every entry equals <see cref="DefaultValue"/> except the few
/// listed per row (compressed rows: the entries of row i are <c>Columns[RowStart[i] .. RowStart[i+1])</c>
/// with <c>Values</c> alongside). POTO's quality matrix has this shape: ~22 centre-sampling candidates
/// per GT, −1 everywhere else.
/// </summary>
public sealed class SparseAssignmentProblem
{
    /// <summary>
    /// Creates the problem. <paramref name="rowStart"/> has M + 1 non-decreasing offsets into
    /// <paramref name="columns"/>/<paramref name="values"/>; a column appears at most once per row.
    /// </summary>
    public SparseAssignmentProblem(int rows, int cols, double defaultValue, int[] rowStart, int[] columns, double[] values)
    {
        if (rows < 0 || cols < 0) throw new ArgumentException($"negative shape {rows}×{cols}");
        if (rowStart.Length != rows + 1) throw new ArgumentException($"rowStart has {rowStart.Length} offsets, expected M + 1 = {rows + 1}", nameof(rowStart));
        if (columns.Length != values.Length) throw new ArgumentException($"{columns.Length} columns but {values.Length} values");
        if (rowStart[0] != 0 || rowStart[rows] != columns.Length) throw new ArgumentException($"rowStart must run from 0 to {columns.Length}", nameof(rowStart));
        for (int i = 0; i < rows; i++)
            if (rowStart[i + 1] < rowStart[i]) throw new ArgumentException($"rowStart decreases at row {i}", nameof(rowStart));
        foreach (var c in columns)
            if (c < 0 || c >= cols) throw new ArgumentException($"column {c} is outside 0..{cols - 1}", nameof(columns));
        Rows = rows;
        Cols = cols;
        DefaultValue = defaultValue;
        RowStart = rowStart;
        Columns = columns;
        Values = values;
    }

    /// <summary>Number of rows M.</summary>
    public int Rows { get; }

    /// <summary>Number of columns R.</summary>
    public int Cols { get; }

    /// <summary>Value of every entry not listed.</summary>
    public double DefaultValue { get; }

    /// <summary>Row offsets (M + 1) into <see cref="Columns"/> and <see cref="Values"/>.</summary>
    public int[] RowStart { get; }

    /// <summary>Column of each listed entry.</summary>
    public int[] Columns { get; }

    /// <summary>Value of each listed entry.</summary>
    public double[] Values { get; }

    /// <summary>The dense row-major M·R matrix (entry (i, j) at i·R + j).</summary>
    public double[] ToDense()
    {
        var d = new double[(long)Rows * Cols];
        Array.Fill(d, DefaultValue);
        for (int i = 0; i < Rows; i++)
            for (int k = RowStart[i]; k < RowStart[i + 1]; k++)
                d[(long)i * Cols + Columns[k]] = Values[k];
        return d;
    }
}
