using Research.Core.Assignment;
using Research.Core.Data;
using Research.Core.Runtime;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Assignment;

public class AuxAssignerTests
{
    public AuxAssignerTests() => TorchRuntime.EnsureLoaded();

    [Theory]
    [InlineData(11, 0.8)]
    [InlineData(12, 0.3)]
    [InlineData(13, 1.0)]
    [InlineData(14, 0.0)]
    public void SparseResultEqualsTheDenseFormulation(int seed, double alpha)
    {
        using var p = new RandomDetectionProblem(seed, new[] { 8, 16, 32 }, new[] { (12, 15), (6, 8), (3, 4) }, 3, new[] { 9, 25 });
        using var scope = NewDisposeScope();
        var cls = p.Cls; var reg = p.Reg;
        using var t = new AuxAssigner(p.K, alpha, 9).Assign(cls, reg, p.AllShifts, p.LevelSizes, p.Targets);
        int fg = 0;
        for (int n = 0; n < 2; n++)
        {
            var dense = DenseReferenceAssignment.Aux(cls, reg, p.Shifts, p.Targets[n].Boxes, p.Targets[n].Classes, n, alpha, 9, p.K);
            Assert.Equal(dense, t.Classes[n].data<long>().ToArray());
            fg += dense.Count(c => c != p.K);
        }
        Assert.Equal(fg, t.NumForeground);
        Assert.True(fg > 0);
    }

    [Fact]
    public void LevelsSmallerThanTopKContributeAllTheirShifts()
    {
        // The reference's topk raises on a 2×2 level with k = 9; ours takes the 4 shifts that exist.
        using var p = new RandomDetectionProblem(15, new[] { 8, 16, 32 }, new[] { (8, 8), (4, 4), (2, 2) }, 2, new[] { 6 });
        using var scope = NewDisposeScope();
        var cls = p.Cls; var reg = p.Reg;
        using var t = new AuxAssigner(p.K, 0.8, 9).Assign(cls, reg, p.AllShifts, p.LevelSizes, p.Targets);
        var dense = DenseReferenceAssignment.Aux(cls, reg, p.Shifts, p.Targets[0].Boxes, p.Targets[0].Classes, 0, 0.8, 9, p.K);
        Assert.Equal(dense, t.Classes[0].data<long>().ToArray());
        Assert.True(t.NumForeground > 0);
    }

    [Fact]
    public void ImagesWithoutGtAreAllBackground()
    {
        // The reference fails on an image without GT (max over an empty dimension).
        using var p = new RandomDetectionProblem(16, new[] { 8 }, new[] { (4, 5) }, 2, new[] { 0, 3 });
        using var scope = NewDisposeScope();
        using var t = new AuxAssigner(p.K).Assign(p.Cls, p.Reg, p.AllShifts, p.LevelSizes, p.Targets);
        Assert.True(t.Classes[0].eq(2).all().item<bool>());
        Assert.Equal(3, t.NumGt);
    }

    [Fact]
    public void AShiftClaimedByTwoGtsWithEqualQualityGoesToTheFirst()
    {
        // Identical boxes, classes 0 and 1 with identical logits: equal quality everywhere; torch.max
        // over GTs returns the first index, so every foreground shift takes the first GT's class.
        using var p = new RandomDetectionProblem(17, new[] { 8, 16 }, new[] { (6, 6), (3, 3) }, 2, new[] { 1 });
        using var scope = NewDisposeScope();
        var cls = p.Cls;
        cls = cat(new[] { cls[.., .., ..1], cls[.., .., ..1] }, 2);                        // class 1 logits = class 0 logits
        var box = tensor(new float[] { 6, 5, 40, 44, 6, 5, 40, 44 }, new long[] { 2, 4 });
        foreach (var (first, second) in new[] { (0L, 1L), (1L, 0L) })
        {
            using var gt = new DetectionTarget(box.clone(), tensor(new[] { first, second }));
            using var t = new AuxAssigner(2).Assign(cls, p.Reg, p.AllShifts, p.LevelSizes, new[] { gt });
            var c = t.Classes[0].data<long>().ToArray();
            Assert.True(c.Count(x => x == first) > 0);
            Assert.Equal(0, c.Count(x => x == second));
        }
    }

    [Fact]
    public void AllZeroQualityTiesAreResolvedByTorchTopKLikeTheDenseFormulation()
    {
        // Zero deltas: every predicted box is a point, IoU = 0, q = 0 everywhere, threshold 0; the top-k
        // candidates are then a tie that the reference resolves by torch.topk's order.
        using var p = new RandomDetectionProblem(18, new[] { 8, 16 }, new[] { (10, 10), (5, 5) }, 2, new[] { 4 });
        using var scope = NewDisposeScope();
        var cls = p.Cls;
        var reg = zeros_like(p.Reg);
        using var t = new AuxAssigner(p.K, 0.8, 9).Assign(cls, reg, p.AllShifts, p.LevelSizes, p.Targets);
        var dense = DenseReferenceAssignment.Aux(cls, reg, p.Shifts, p.Targets[0].Boxes, p.Targets[0].Classes, 0, 0.8, 9, p.K);
        Assert.Equal(dense, t.Classes[0].data<long>().ToArray());
        Assert.True(dense.Count(c => c != p.K) > 0, "the tie path must produce foreground here");
    }
}

public class AssignmentAtScaleTests
{
    [Fact]
    public void FiveLevelsFortyGtsEqualTheDenseFormulation()
    {
        // 256×320 input: P3..P7 = 32×40, 16×20, 8×10, 4×5, 2×3 (R = 1710); P7 has fewer than 9 shifts.
        using var p = new RandomDetectionProblem(31, new[] { 8, 16, 32, 64, 128 }, new[] { (32, 40), (16, 20), (8, 10), (4, 5), (2, 3) }, 6, new[] { 40, 17 });
        using var scope = NewDisposeScope();
        var cls = p.Cls; var reg = p.Reg; var fil = p.Fil;
        using var poto = new PotoAssigner(p.Strides, p.K).Assign(cls, reg, fil, p.AllShifts, p.LevelSizes, p.Targets);
        using var aux = new AuxAssigner(p.K).Assign(cls, reg, p.AllShifts, p.LevelSizes, p.Targets);
        for (int n = 0; n < 2; n++)
        {
            var dense = DenseReferenceAssignment.Poto(cls, reg, fil, p.Shifts, p.Strides, p.Targets[n].Boxes, p.Targets[n].Classes, n, 0.8, 1.5);
            Assert.Equal(dense.Columns, poto.Matches[n].Columns);
            var denseAux = DenseReferenceAssignment.Aux(cls, reg, p.Shifts, p.Targets[n].Boxes, p.Targets[n].Classes, n, 0.8, 9, p.K);
            Assert.Equal(denseAux, aux.Classes[n].data<long>().ToArray());
        }
    }
}
