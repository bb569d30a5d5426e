using Research.Core.Assignment;
using Xunit;

namespace Research.Core.Tests.Assignment;

/// <summary>The sparse fast path returns exactly the dense solver's pairs (ties included).</summary>
public class SparseLinearAssignmentTests
{
    private static (SparseAssignmentProblem Problem, double[] Dense) RandomPotoLike(Random rng, int nr, int nc, int perRow, bool tiedValues)
    {
        var start = new List<int> { 0 };
        var cols = new List<int>();
        var vals = new List<double>();
        int[]? prevCols = null; double[]? prevVals = null;
        for (int i = 0; i < nr; i++)
        {
            int kind = rng.Next(6);
            if (kind == 0) { start.Add(cols.Count); prevCols = Array.Empty<int>(); prevVals = Array.Empty<double>(); continue; } // no candidate
            if (kind == 1 && prevCols != null)
            {   // duplicate GT
                cols.AddRange(prevCols); vals.AddRange(prevVals!); start.Add(cols.Count); continue;
            }
            // candidates in a cluster (like centre sampling), sometimes overlapping the previous row's
            int centre = rng.Next(nc);
            var set = new SortedSet<int>();
            int k = rng.Next(1, perRow + 1);
            while (set.Count < Math.Min(k, nc)) set.Add(Math.Clamp(centre + rng.Next(-perRow, perRow + 1), 0, nc - 1));
            prevCols = set.ToArray();
            prevVals = prevCols.Select(_ => tiedValues ? rng.Next(0, 3) * 0.5 : rng.NextDouble()).ToArray();
            cols.AddRange(prevCols); vals.AddRange(prevVals);
            start.Add(cols.Count);
        }
        var p = new SparseAssignmentProblem(nr, nc, -1, start.ToArray(), cols.ToArray(), vals.ToArray());
        return (p, p.ToDense());
    }

    [Fact]
    public void SmallRandomStructuresEqualTheDenseSolver()
    {
        var rng = new Random(99);
        for (int rep = 0; rep < 3000; rep++)
        {
            int nr = rng.Next(1, 9), nc = rng.Next(1, 40);
            var (p, dense) = RandomPotoLike(rng, nr, nc, rng.Next(1, 5), tiedValues: rep % 2 == 0);
            foreach (var maximize in new[] { true, false })
            {
                var a = LinearAssignment.Solve(dense, nr, nc, maximize);
                var b = LinearAssignment.SolveSparse(p, maximize);
                Assert.True(a.Rows.SequenceEqual(b.Rows) && a.Columns.SequenceEqual(b.Columns),
                    $"rep {rep} {nr}×{nc} maximize={maximize}: dense [{string.Join(",", a.Columns)}] sparse [{string.Join(",", b.Columns)}]");
            }
        }
    }

    [Fact]
    public void DefcnSizedProblemsEqualTheDenseSolver()
    {
        var rng = new Random(5);
        foreach (var (nr, nc) in new[] { (50, 3000), (100, 5000), (30, 13343) })
        {
            var (p, dense) = RandomPotoLike(rng, nr, nc, 22, tiedValues: false);
            var a = LinearAssignment.Solve(dense, nr, nc, maximize: true);
            var b = LinearAssignment.SolveSparse(p, maximize: true);
            Assert.Equal(a.Columns, b.Columns);
        }
    }

    [Fact]
    public void RowsWithoutCandidatesTakeTheLowestFreeColumns()
    {
        // 3 GTs: GT0 has candidate 5, GT1 none, GT2 none → GT1 gets column 0, GT2 column 1 (scipy's choice)
        var p = new SparseAssignmentProblem(3, 10, -1, new[] { 0, 1, 1, 1 }, new[] { 5 }, new[] { 0.7 });
        var r = LinearAssignment.SolveSparse(p, maximize: true);
        Assert.Equal(new[] { 5, 0, 1 }, r.Columns);
    }

    [Fact]
    public void TallProblemsFallBackToDenseAndDuplicateColumnsAreRefused()
    {
        var p = new SparseAssignmentProblem(4, 2, -1, new[] { 0, 1, 1, 2, 2 }, new[] { 1, 0 }, new[] { 0.5, 0.9 });
        var r = LinearAssignment.SolveSparse(p, maximize: true);
        Assert.Equal(new[] { 0, 2 }, r.Rows);
        Assert.Equal(new[] { 1, 0 }, r.Columns);
        var bad = new SparseAssignmentProblem(1, 4, -1, new[] { 0, 2 }, new[] { 3, 3 }, new[] { 0.5, 0.9 });
        var e = Assert.Throws<ArgumentException>(() => LinearAssignment.SolveSparse(bad, true));
        Assert.Contains("column 3 is listed twice in row 0", e.Message);
        var nan = new SparseAssignmentProblem(1, 4, -1, new[] { 0, 1 }, new[] { 2 }, new[] { double.NaN });
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => LinearAssignment.SolveSparse(nan, true)).Message);
    }
}
