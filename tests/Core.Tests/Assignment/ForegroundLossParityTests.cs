using Research.Core.Assignment;
using Research.Core.Data;
using Research.Core.Detectors;
using Research.Core.Losses;
using Research.Core.Modeling.Head;
using Research.Core.Tests.Modeling;
using Research.Core.Tests.Losses;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Assignment;

/// <summary>The foreground-loss rule equals the official loss...3x_ms code on committed fixtures.</summary>
public class ForegroundLossParityTests
{
    public static IEnumerable<object[]> Cases => new[] { "loss_case1", "loss_case2", "loss_case3" }.Select(n => new object[] { n });

    /// <summary>The rule with the reference's costs: focal loss on logits (α 0.25, γ 2) and 2 × GIoU loss.</summary>
    internal static ForegroundLossAssigner Rule(int[] strides, int k, double radius) =>
        new(strides, k, radius, (logits, _, targets) => FocalLoss.OnLogitsPerElement(logits, targets), IouLoss.GIoUPerPair, 2.0);

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTargetsAndLossesEqualTheOfficialCode(string name)
    {
        using var f = new DefcnFixture(name);
        using var scope = NewDisposeScope();
        var rule = Rule(f.Strides, f.K, f.Radius);
        using var t = rule.Assign(f.Cls, f.Reg, null, f.AllShifts, f.Sizes, f.Targets);
        var matches = f.Meta.GetProperty("matches").EnumerateArray().ToArray();
        Assert.Equal(f.Targets.Length, matches.Length);
        for (int n = 0; n < matches.Length; n++)
        {
            Assert.Equal(matches[n].GetProperty("gt").EnumerateArray().Select(x => x.GetInt32()).ToArray(), t.Matches![n].Rows);
            Assert.Equal(matches[n].GetProperty("shift").EnumerateArray().Select(x => x.GetInt32()).ToArray(), t.Matches[n].Columns);
        }
        Assert.True(t.Classes.equal(f["rule_classes"]).all().item<bool>(), $"{name}: class targets differ");
        Assert.True(t.RegTargets!.equal(f["rule_reg"]).all().item<bool>(), $"{name}: regression targets differ");

        using var output = new DefcnCriterion(rule).Compute(f.Logits, f.BboxReg, null, f.Shifts, f.Targets);
        f.AssertLossesMatch(output);
    }

    /// <summary>
    /// The input gradients of the summed losses equal the official ones (the fixtures' grad_cls_l, grad_reg_l) within
    /// 1e-5 of each tensor's largest magnitude, as BaselineParityTests checks; the no-GT case included.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void GradientsEqualTheOfficialCode(string name)
    {
        using var f = new DefcnFixture(name);
        using var scope = NewDisposeScope();
        var rule = Rule(f.Strides, f.K, f.Radius);
        using var predictions = f.Predictions(out var leaves);
        using var losses = new DefcnCriterion(rule).Compute(predictions, f.Targets);
        f.AssertLossesMatch(losses);
        f.AssertGradientsMatch(losses, leaves);
    }

    [Fact]
    public void TheCostIsTheLossAPairWouldHaveAsForegroundComputedDensely()
    {
        // Brute force on one image: the dense cost matrix of the definition, solved exhaustively by the dense
        // solver, gives the same matching as the rule's sparse candidates.
        using var f = new DefcnFixture("loss_case1");
        using var scope = NewDisposeScope();
        using var t = Rule(f.Strides, f.K, f.Radius).Assign(f.Cls, f.Reg, null, f.AllShifts, f.Sizes, f.Targets);
        var n = 1;
        var cls = f.Cls[n];                                              // (R, K)
        var reg = f.Reg[n];                                              // (R, 4)
        var shifts = f.AllShifts;                                        // (R, 2)
        var boxes = f.Targets[n].Boxes; var classes = f.Targets[n].Classes;
        long m = boxes.shape[0], r = shifts.shape[0];
        var cost = new double[m * r];
        var candidates = t.Qualities![n];
        var dense = candidates.ToDense();
        for (long i = 0; i < m; i++)
        {
            var onehot = nn.functional.one_hot(classes[i].reshape(1), f.K).to(ScalarType.Float32).expand(r, f.K);
            var fl = FocalLoss.OnLogitsPerElement(cls, onehot).sum(1);                                      // (R)
            var b = boxes[i];
            var deltas = stack(new[] { shifts[.., 0] - b[0], shifts[.., 1] - b[1], b[2] - shifts[.., 0], b[3] - shifts[.., 1] }, 1);
            var c = (fl + IouLoss.GIoUPerPair(reg, deltas) * 2.0).data<float>().ToArray();
            for (long j = 0; j < r; j++)
                cost[i * r + j] = dense[i * r + j] >= 1e8 ? 1e8 : c[j];
        }
        for (long k = 0; k < cost.Length; k++)
            if (dense[k] < 1e8) Assert.Equal(dense[k], cost[k], 4);   // candidate costs agree with the definition
        var brute = LinearAssignment.Solve(cost, (int)m, (int)r);
        Assert.Equal(brute.Columns, t.Matches![n].Columns);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void DefcnTrainsWithTheRuleWithOrWithoutTheFilterBranch(bool filter)
    {
        manual_seed(41);
        using var model = new Defcn(new TinyBackbone(), numClasses: 3, head: new HeadOptions(NumConvs: 1), filter: new FilterOptions(Enabled: filter),
            poto: new PotoOptions(Rule: OneToOneRule.ForegroundLoss));
        Assert.Equal("loss", model.AssignmentRule.Name);
        using var scope = NewDisposeScope();
        var target = new DetectionTarget(tensor(new float[] { 10, 12, 60, 50, 30, 5, 90, 60 }, new long[] { 2, 4 }), tensor(new long[] { 1, 2 }));
        using var batch = new ImageBatch(rand(1, 3, 64, 96), new[] { (64, 96) }, new[] { (64, 96) }, new long[] { 0 }, new[] { target });
        using var losses = model.Losses(batch);
        Assert.Equal(1.0, losses.Diagnostics["num_fg_per_gt"]);           // one-to-one: each GT one shift
        var total = losses.Total();
        Assert.True(float.IsFinite(total.item<float>()) && total.item<float>() > 0);
        total.backward();
        Assert.True(model.parameters().Any(p => p.grad is not null && p.grad.abs().sum().item<float>() > 0));
    }
}
