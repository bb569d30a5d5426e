using Research.Core.Dense;
using Research.Core.Assignment;
using Research.Core.Data;
using Research.Core.Modeling;
using Research.Core.Runtime;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Assignment;

public class PotoAssignerTests
{
    public PotoAssignerTests() => TorchRuntime.EnsureLoaded();

    [Theory]
    [InlineData(1, 0.8, 1.5, true)]
    [InlineData(2, 0.0, 1.5, true)]
    [InlineData(3, 1.0, 1.5, false)]
    [InlineData(4, 0.5, 0.0, true)]
    [InlineData(5, 0.8, 2.5, true)]
    public void SparseResultEqualsTheDenseFormulation(int seed, double alpha, double radius, bool filter)
    {
        using var p = new RandomDetectionProblem(seed, new[] { 8, 16, 32 }, new[] { (10, 13), (5, 7), (3, 4) }, 4, new[] { 12, 30, 0, 3 });
        using var scope = NewDisposeScope();
        var poto = new PotoAssigner(p.Strides, p.K, alpha, radius);
        var cls = p.Cls; var reg = p.Reg; var fil = filter ? p.Fil : null;
        using var t = poto.Assign(cls, reg, fil, p.AllShifts, p.LevelSizes, p.Targets);
        for (int n = 0; n < p.Targets.Length; n++)
        {
            var dense = DenseReferenceAssignment.Poto(cls, reg, fil, p.Shifts, p.Strides, p.Targets[n].Boxes, p.Targets[n].Classes, n, alpha, radius);
            Assert.Equal(dense.Rows, t.Matches[n].Rows);
            Assert.Equal(dense.Columns, t.Matches[n].Columns);
        }
        Assert.Equal(45, t.NumGt);
        Assert.Equal(Math.Min(30, 130 + 35 + 12) + 12 + 3, t.NumForeground);
    }

    [Fact]
    public void TargetsCarryTheGtClassAndDistancesAtMatchedShiftsOnly()
    {
        using var p = new RandomDetectionProblem(7, new[] { 8, 16 }, new[] { (8, 8), (4, 4) }, 3, new[] { 5 });
        using var scope = NewDisposeScope();
        using var t = new PotoAssigner(p.Strides, p.K).Assign(p.Cls, p.Reg, p.Fil, p.AllShifts, p.LevelSizes, p.Targets);
        var cls = t.Classes[0].data<long>().ToArray();
        var reg = t.RegTargets[0].data<float>().ToArray();
        var shifts = p.AllShifts.data<float>().ToArray();
        var boxes = p.Targets[0].Boxes.data<float>().ToArray();
        var gtCls = p.Targets[0].Classes.data<long>().ToArray();
        var m = t.Matches[0];
        Assert.Equal(5, m.Count);
        Assert.Equal(5, cls.Count(c => c != 3));
        for (int k = 0; k < m.Count; k++)
        {
            int i = m.Rows[k], r = m.Columns[k];
            Assert.Equal(gtCls[i], cls[r]);
            Assert.Equal(shifts[2 * r] - boxes[4 * i], reg[4 * r]);
            Assert.Equal(shifts[2 * r + 1] - boxes[4 * i + 1], reg[4 * r + 1]);
            Assert.Equal(boxes[4 * i + 2] - shifts[2 * r], reg[4 * r + 2]);
            Assert.Equal(boxes[4 * i + 3] - shifts[2 * r + 1], reg[4 * r + 3]);
        }
        for (int r = 0; r < cls.Length; r++)
            if (!m.Columns.Contains(r)) Assert.True(reg[4 * r] == 0 && reg[4 * r + 1] == 0 && reg[4 * r + 2] == 0 && reg[4 * r + 3] == 0);
    }

    /// <summary>One level 1×4 (stride 8): shifts at x = 4, 12, 20, 28, y = 4. Predictions chosen by hand.</summary>
    private static (Tensor Cls, Tensor Reg, Tensor Shifts) HandLevel(float[] logit, float[] ltrb)
    {
        var cls = tensor(logit, new long[] { 1, 4, 1 }).reshape(1, 4, 1);                      // (N, R, K=1)
        var reg = tensor(ltrb, new long[] { 1, 4, 4 });                                        // (N, R, 4)
        var shifts = new ShiftGenerator(new[] { 8 }).AllShifts(new[] { (1L, 4L) });
        return (cls, reg, shifts);
    }

    [Fact]
    public void AlphaZeroFollowsTheScoreAndAlphaOneTheIou()
    {
        using var scope = NewDisposeScope();
        // GT box [0, 0, 32, 8]; radius 10 strides → every shift is a candidate.
        // shift 1: exact box (IoU 1) but low score; shift 2: high score, poor box.
        var (cls, reg, shifts) = HandLevel(new[] { -5f, -3f, 4f, -5f },
            new[] { 1f, 1f, 1f, 1f, 12f, 4f, 20f, 4f, 2f, 2f, 2f, 2f, 1f, 1f, 1f, 1f });
        using var gt = new DetectionTarget(tensor(new float[] { 0, 0, 32, 8 }, new long[] { 1, 4 }), tensor(new long[] { 0 }));
        var a0 = new PotoAssigner(new[] { 8 }, 1, alpha: 0.0, centerSamplingRadius: 10).Assign(cls, reg, null, shifts, new[] { (1, 4) }, new[] { gt });
        var a1 = new PotoAssigner(new[] { 8 }, 1, alpha: 1.0, centerSamplingRadius: 10).Assign(cls, reg, null, shifts, new[] { (1, 4) }, new[] { gt });
        Assert.Equal(new[] { 2 }, a0.Matches[0].Columns);
        Assert.Equal(new[] { 1 }, a1.Matches[0].Columns);
        Assert.Equal(1f, a1.MatchedIou[0][0]);
    }

    [Fact]
    public void GtWithoutCandidatesTakesTheLowestFreeShiftAndKeepsItsTarget()
    {
        using var scope = NewDisposeScope();
        var (cls, reg, shifts) = HandLevel(new[] { 0f, 0f, 0f, 0f }, Enumerable.Repeat(3f, 16).ToArray());
        // GT 0 covers shift 1 (x = 12); GT 1 is a tiny box between shifts: no candidate.
        using var gt = new DetectionTarget(tensor(new float[] { 9, 1, 15, 7, 5, 2, 7, 3 }, new long[] { 2, 4 }), tensor(new long[] { 0, 0 }));
        using var t = new PotoAssigner(new[] { 8 }, 1).Assign(cls, reg, null, shifts, new[] { (1, 4) }, new[] { gt });
        Assert.Equal(new[] { 1, 0 }, t.Matches[0].Columns);
        Assert.Equal(new long[] { 0, 0, 1, 1 }, t.Classes[0].data<long>().ToArray());
        // shift 0 at (4, 4) regresses the tiny box [5, 2, 7, 3]: negative distances, as the reference
        Assert.Equal(new float[] { -1, 2, 3, -1 }, t.RegTargets[0, 0].data<float>().ToArray());
    }

    [Fact]
    public void ImagesWithoutGtAreAllBackground()
    {
        using var p = new RandomDetectionProblem(8, new[] { 8 }, new[] { (4, 5) }, 2, new[] { 0, 0 });
        using var scope = NewDisposeScope();
        using var t = new PotoAssigner(p.Strides, p.K).Assign(p.Cls, p.Reg, p.Fil, p.AllShifts, p.LevelSizes, p.Targets);
        Assert.True(t.Classes.eq(2).all().item<bool>());
        Assert.True(t.RegTargets.eq(0).all().item<bool>());
        Assert.Equal(0, t.NumForeground);
    }

    [Fact]
    public void BadInputsAreRefusedWithClearMessages()
    {
        using var p = new RandomDetectionProblem(9, new[] { 8 }, new[] { (4, 5) }, 2, new[] { 1 });
        using var scope = NewDisposeScope();
        var poto = new PotoAssigner(p.Strides, p.K);
        using var bad = new DetectionTarget(tensor(new float[] { 0, 0, 8, 8 }, new long[] { 1, 4 }), tensor(new long[] { 5 }));
        var e = Assert.Throws<ArgumentException>(() => poto.Assign(p.Cls, p.Reg, p.Fil, p.AllShifts, p.LevelSizes, new[] { bad }));
        Assert.Contains("image 0, GT 0: class 5", e.Message);
        var nanReg = p.Reg.clone();
        nanReg[0, 3, 1] = tensor(float.NaN);
        e = Assert.Throws<ArgumentException>(() => poto.Assign(p.Cls, nanReg, p.Fil, p.AllShifts, p.LevelSizes, p.Targets));
        Assert.Contains("NaN", e.Message);
        Assert.Throws<ArgumentException>(() => new PotoAssigner(p.Strides, p.K, alpha: 1.2));
    }
}
