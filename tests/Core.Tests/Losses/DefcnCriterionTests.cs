using Research.Core.Data;
using Research.Core.Losses;
using Research.Core.Tests.Assignment;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Losses;

public class DefcnCriterionTests
{
    private static (Tensor[] Cls, Tensor[] Reg, Tensor[] Fil) Leaves(RandomDetectionProblem p) =>
        (p.Logits.Select(t => t.clone().requires_grad_(true)).ToArray(),
         p.BboxReg.Select(t => t.clone().requires_grad_(true)).ToArray(),
         p.Filter.Select(t => t.clone().requires_grad_(true)).ToArray());

    private static double GradNorm(IEnumerable<Tensor> xs) => xs.Sum(x => x.grad is null ? 0 : x.grad.abs().sum().item<float>());

    [Theory]
    [InlineData("loss_cls", true, true, false)]
    [InlineData("loss_box_reg", false, false, true)]
    [InlineData("loss_cls_aux", true, false, false)]
    public void EachLossReachesExactlyTheBranchesOfTheReference(string key, bool cls, bool filter, bool reg)
    {
        using var p = new RandomDetectionProblem(21, new[] { 8, 16 }, new[] { (6, 7), (3, 4) }, 3, new[] { 4, 2 });
        using var scope = NewDisposeScope();
        var (c, r, f) = Leaves(p);
        var criterion = CriterionHelpers.DefcnCriterion(p.K, p.Strides);
        using var output = criterion.Compute(c, r, f, p.Shifts, p.Targets);
        var loss = output.Losses[key];
        Assert.True(loss.item<float>() > 0 && float.IsFinite(loss.item<float>()));
        loss.backward();
        Assert.Equal(cls, GradNorm(c) > 0);
        Assert.Equal(filter, GradNorm(f) > 0);
        Assert.Equal(reg, GradNorm(r) > 0);
    }

    [Fact]
    public void AuxDisabledAndFilterFreeConfigurations()
    {
        using var p = new RandomDetectionProblem(22, new[] { 8, 16 }, new[] { (6, 7), (3, 4) }, 3, new[] { 3 });
        using var scope = NewDisposeScope();
        var criterion = CriterionHelpers.DefcnCriterion(p.K, p.Strides, auxEnabled: false);
        using var output = criterion.Compute(p.Logits, p.BboxReg, null, p.Shifts, p.Targets);
        Assert.Equal(new[] { "loss_box_reg", "loss_cls" }, output.Losses.Keys.OrderBy(x => x).ToArray());
        // filter-free: focal loss on the raw logits against the POTO targets, / max(1, #fg) = 3
        var one = output.Losses["loss_cls"].item<float>();
        using var poto = new Research.Core.Assignment.PotoAssigner(p.Strides, p.K).Assign(p.Cls, p.Reg, null, p.AllShifts, p.LevelSizes, p.Targets);
        var target = nn.functional.one_hot(poto.Classes.flatten(), p.K + 1)[.., ..p.K].to(ScalarType.Float32);
        var manual = FocalLoss.OnLogits(p.Cls.reshape(-1, p.K), target).item<float>() / 3;
        Assert.Equal(manual, one, 5);
        Assert.Equal(1.0, output.Diagnostics["num_fg_per_gt"]);
        Assert.Equal(poto.Matches[0].Columns, output.Matches![0].Columns);
        Assert.False(output.Diagnostics.ContainsKey("num_fg_per_gt_aux"));
        Assert.Equal(output.Losses.Values.Sum(x => x.item<float>()), output.Total().item<float>(), 5);
    }

    [Fact]
    public void BatchWithoutGtGivesBackgroundOnlyLosses()
    {
        using var p = new RandomDetectionProblem(23, new[] { 8 }, new[] { (5, 5) }, 2, new[] { 0, 0 });
        using var scope = NewDisposeScope();
        using var output = CriterionHelpers.DefcnCriterion(p.K, p.Strides).Compute(p.Logits, p.BboxReg, p.Filter, p.Shifts, p.Targets);
        Assert.Equal(0f, output.Losses["loss_box_reg"].item<float>());
        Assert.True(output.Losses["loss_cls"].item<float>() > 0);
        Assert.True(output.Losses["loss_cls_aux"].item<float>() > 0);
        Assert.Equal(0.0, output.Diagnostics["num_fg_per_gt"]);
    }

    [Fact]
    public void Float64HeadsWork()
    {
        using var p = new RandomDetectionProblem(24, new[] { 8, 16 }, new[] { (6, 7), (3, 4) }, 3, new[] { 4 }, ScalarType.Float64);
        using var scope = NewDisposeScope();
        using var output = CriterionHelpers.DefcnCriterion(p.K, p.Strides).Compute(p.Logits, p.BboxReg, p.Filter, p.Shifts, p.Targets);
        foreach (var (k, v) in output.Losses)
        {
            Assert.Equal(ScalarType.Float64, v.dtype);
            Assert.True(double.IsFinite(v.item<double>()) && v.item<double>() > 0, k);
        }
    }

    [Fact]
    public void WrongLevelCountsAreRefused()
    {
        using var p = new RandomDetectionProblem(25, new[] { 8, 16 }, new[] { (6, 7), (3, 4) }, 3, new[] { 1 });
        var e = Assert.Throws<ArgumentException>(() => CriterionHelpers.DefcnCriterion(p.K, p.Strides).Compute(p.Logits.Take(1).ToArray(), p.BboxReg, p.Filter, p.Shifts, p.Targets));
        Assert.Contains("disagree on the level count", e.Message);
    }
}

public class DefcnCriterionLeakTests
{
    [Fact]
    public void LiveTensorCountStaysFlatOverRepeatedSteps()
    {
        using var p = new RandomDetectionProblem(26, new[] { 8, 16 }, new[] { (6, 7), (3, 4) }, 3, new[] { 4, 3 });
        var criterion = CriterionHelpers.DefcnCriterion(p.K, p.Strides);
        long Step()
        {
            // no outer dispose scope: everything but the returned losses must be released inside
            using (var output = criterion.Compute(p.Logits, p.BboxReg, p.Filter, p.Shifts, p.Targets))
            using (var total = output.Total())
                total.item<float>();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        }
        Step();
        long after1 = Step();
        Step(); Step();
        Assert.Equal(after1, Step());
    }

    [Fact]
    public void AssignersReleaseEverythingButTheirTargets()
    {
        using var p = new RandomDetectionProblem(27, new[] { 8, 16 }, new[] { (6, 7), (3, 4) }, 3, new[] { 4, 3 });
        using var cls = p.Cls; using var reg = p.Reg; using var fil = p.Fil; using var shifts = p.AllShifts;
        var poto = new Research.Core.Assignment.PotoAssigner(p.Strides, p.K);
        var aux = new Research.Core.Assignment.AuxAssigner(p.K);
        long Step()
        {
            using (var t = poto.Assign(cls, reg, fil, shifts, p.LevelSizes, p.Targets)) { }
            using (var a = aux.Assign(cls, reg, shifts, p.LevelSizes, p.Targets)) { }
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        }
        Step();
        long after1 = Step();
        Step();
        Assert.Equal(after1, Step());
    }
}
