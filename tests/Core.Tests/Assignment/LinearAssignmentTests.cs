using Research.Core.Assignment;
using Xunit;

namespace Research.Core.Tests.Assignment;

public class LinearAssignmentTests
{
    private static void CheckAgainstBruteForce(double[,] cost, bool maximize, bool integer)
    {
        int nr = cost.GetLength(0), nc = cost.GetLength(1);
        var res = LinearAssignment.Solve(cost, maximize);
        Assert.Equal(Math.Min(nr, nc), res.Count);
        Assert.Equal(res.Rows.Length, res.Rows.Distinct().Count());
        Assert.Equal(res.Columns.Length, res.Columns.Distinct().Count());
        for (int t = 1; t < res.Count; t++) Assert.True(res.Rows[t] > res.Rows[t - 1], "pairs sorted by row");
        double tol = integer ? 0 : 1e-9;
        var (best, count, cols) = BruteForceAssignment.Solve(cost, maximize, tol);
        var total = LinearAssignment.Total(cost, res);
        if (integer) Assert.Equal(best, total);
        else Assert.True(Math.Abs(best - total) <= 1e-9, $"total {total} vs optimum {best}");
        if (count == 1)
        {
            // the optimum is unique: the pairs must be it
            var bf = nr <= nc
                ? Enumerable.Range(0, nr).Select(i => (i, cols[i]))
                : Enumerable.Range(0, nc).Select(j => (cols[j], j)).OrderBy(p => p.Item1);
            Assert.Equal(bf.ToArray(), res.Rows.Zip(res.Columns).ToArray());
        }
    }

    [Fact]
    public void EveryShapeUpTo7x9MatchesBruteForceOnRandomAndTiedCosts()
    {
        var rng = new Random(12345);
        int checkedUnique = 0;
        for (int nr = 1; nr <= 7; nr++)
            for (int nc = 1; nc <= 9; nc++)
                foreach (var maximize in new[] { false, true })
                {
                    for (int rep = 0; rep < 3; rep++)
                    {
                        var real = new double[nr, nc];
                        var tied = new double[nr, nc];
                        var wide = new double[nr, nc];
                        for (int i = 0; i < nr; i++)
                            for (int j = 0; j < nc; j++)
                            {
                                real[i, j] = rng.NextDouble() * 2 - 0.5;
                                tied[i, j] = rng.Next(0, 3);
                                wide[i, j] = rng.Next(-50, 50);
                            }
                        CheckAgainstBruteForce(real, maximize, integer: false);
                        CheckAgainstBruteForce(tied, maximize, integer: true);
                        CheckAgainstBruteForce(wide, maximize, integer: true);
                        checkedUnique++;
                    }
                }
        Assert.Equal(7 * 9 * 2 * 3, checkedUnique);
    }

    [Fact]
    public void ForbiddenEntriesAreAvoidedAndMatchBruteForce()
    {
        var rng = new Random(7);
        for (int rep = 0; rep < 300; rep++)
        {
            int nr = rng.Next(1, 6), nc = rng.Next(1, 8);
            bool maximize = rep % 2 == 0;
            var cost = new double[nr, nc];
            var mask = new bool[nr, nc];
            for (int i = 0; i < nr; i++)
                for (int j = 0; j < nc; j++)
                {
                    cost[i, j] = rng.Next(0, 4);
                    if (rng.NextDouble() < 0.25) { cost[i, j] = maximize ? double.NegativeInfinity : double.PositiveInfinity; mask[i, j] = true; }
                }
            var (best, _, _) = BruteForceAssignment.Solve(cost, maximize, 0);
            if (double.IsInfinity(best))
            {
                var e = Assert.Throws<InvalidOperationException>(() => LinearAssignment.Solve(cost, maximize));
                Assert.Contains("infeasible", e.Message);
                continue;
            }
            var res = LinearAssignment.Solve(cost, maximize);
            Assert.Equal(best, LinearAssignment.Total(cost, res));
            // the same problem expressed with a mask over finite values gives the same pairs
            var finite = (double[,])cost.Clone();
            for (int i = 0; i < nr; i++) for (int j = 0; j < nc; j++) if (mask[i, j]) finite[i, j] = 1e9 * (maximize ? 1 : -1);
            var viaMask = LinearAssignment.Solve(finite, maximize, mask);
            Assert.Equal(res.Rows, viaMask.Rows);
            Assert.Equal(res.Columns, viaMask.Columns);
        }
    }

    [Fact]
    public void DegenerateInputs()
    {
        Assert.Equal(0, LinearAssignment.Solve(new double[0, 5]).Count);
        Assert.Equal(0, LinearAssignment.Solve(new double[3, 0]).Count);
        // all equal: the identity pairing (scipy's answer for constant matrices)
        var eq = new double[3, 5];
        var r = LinearAssignment.Solve(eq);
        Assert.Equal(new[] { 0, 1, 2 }, r.Columns);
        var tall = LinearAssignment.Solve(new double[5, 3], maximize: true);
        Assert.Equal(new[] { 0, 1, 2 }, tall.Rows);
        Assert.Equal(new[] { 0, 1, 2 }, tall.Columns);
    }

    [Fact]
    public void NaNAndWrongInfinitiesAreRefusedWithTheirPosition()
    {
        var m = new double[2, 3];
        m[1, 2] = double.NaN;
        var e = Assert.Throws<ArgumentException>(() => LinearAssignment.Solve(m));
        Assert.Contains("(1, 2)", e.Message);
        Assert.Contains("NaN", e.Message);
        var p = new double[2, 3];
        p[0, 1] = double.PositiveInfinity;
        e = Assert.Throws<ArgumentException>(() => LinearAssignment.Solve(p, maximize: true));
        Assert.Contains("(0, 1)", e.Message);
        var n = new double[2, 3];
        n[1, 0] = double.NegativeInfinity;
        Assert.Throws<ArgumentException>(() => LinearAssignment.Solve(n, maximize: false));
    }

    [Fact]
    public void TextbookCase()
    {
        // the classic 4×4 example: optimum 140 = 69 + 37 + 11 + 23
        var c = new double[,] { { 82, 83, 69, 92 }, { 77, 37, 49, 92 }, { 11, 69, 5, 86 }, { 8, 9, 98, 23 } };
        var r = LinearAssignment.Solve(c);
        Assert.Equal(140, LinearAssignment.Total(c, r));
        Assert.Equal(new[] { 2, 1, 0, 3 }, r.Columns);
    }
}
