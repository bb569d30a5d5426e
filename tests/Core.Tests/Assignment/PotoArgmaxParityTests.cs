using Research.Core.Assignment;
using Research.Core.Data;
using Research.Core.Losses;
using Research.Core.Tests.Losses;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Assignment;

/// <summary>POTO with argmax matching equals the official poto...3x_ms.argmax code on committed fixtures.</summary>
public class PotoArgmaxParityTests
{
    public static IEnumerable<object[]> Cases => new[] { "argmax_case1", "argmax_case2", "argmax_case3", "argmax_case4" }.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Cases))]
    public void TargetsAndLossesEqualTheOfficialCode(string name)
    {
        using var f = new DefcnFixture(name);
        using var scope = NewDisposeScope();
        var rule = new PotoArgmaxAssigner(f.Strides, f.K, f.Alpha, f.Radius);
        using var t = rule.Assign(f.Cls, f.Reg, null, f.AllShifts, f.Sizes, f.Targets);
        var expectedClasses = f["rule_classes"];
        Assert.True(t.Classes.equal(expectedClasses).all().item<bool>(), $"{name}: class targets differ");
        // The official code fills regression targets for every shift; only foreground ones are used (and compared).
        var fg = expectedClasses.ge(0).logical_and(expectedClasses.ne(f.K));
        Assert.True(t.RegTargets![fg].equal(f["rule_reg"][fg]).all().item<bool>(), $"{name}: regression targets differ");
        // Every match is a foreground shift holding its GT's class, at most one per GT.
        for (int n = 0; n < f.Targets.Length; n++)
        {
            var m = t.Matches![n];
            Assert.Equal(m.Rows.Distinct().Count(), m.Count);
            var classes = f.Targets[n].Classes.data<long>().ToArray();
            for (int k = 0; k < m.Count; k++) Assert.Equal(classes[m.Rows[k]], t.Classes[n, m.Columns[k]].item<long>());
        }

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
        var rule = new PotoArgmaxAssigner(f.Strides, f.K, f.Alpha, f.Radius);
        using var predictions = f.Predictions(out var leaves);
        using var losses = new DefcnCriterion(rule).Compute(predictions, f.Targets);
        f.AssertLossesMatch(losses);
        f.AssertGradientsMatch(losses, leaves);
    }

    [Fact]
    public void AGtWithoutCandidateOrThatLosesItsShiftGetsNothingWhereHungarianForcesAMatch()
    {
        // One level of 1 × 4 shifts at x = 4, 12, 20, 28 (stride 8). GT 0 covers shifts 1-2; GT 1 is the same box
        // (it wants the same shift); GT 2 is a sliver with no shift strictly inside.
        var shifts = tensor(new float[] { 4, 4, 12, 4, 20, 4, 28, 4 }, new long[] { 4, 2 });
        var cls = tensor(new float[] { 2, 0, 1, 0, 3, 0, -1, 0 }, new long[] { 1, 4, 2 });            // (1, R, K = 2)
        var reg = full(new long[] { 1, 4, 4 }, 6f);
        var gt = new DetectionTarget(tensor(new float[] { 6, 0, 26, 8, 6, 0, 26, 8, 29, 0, 30, 8 }, new long[] { 3, 4 }), tensor(new long[] { 0, 0, 0 }));
        using var argmax = new PotoArgmaxAssigner(new[] { 8 }, 2, alpha: 0.0, centerSamplingRadius: 0).Assign(cls, reg, null, shifts, new[] { (1, 4) }, new[] { gt });
        Assert.Equal(new[] { 0 }, argmax.Matches![0].Rows);     // GT 0 wins the shared best shift (first on equal quality)
        Assert.Equal(new[] { 2 }, argmax.Matches[0].Columns);   // sigmoid(3) > sigmoid(1): shift 2
        Assert.Equal(new long[] { 2, 2, 0, 2 }, argmax.Classes[0].data<long>().ToArray());
        Assert.Equal(1.0 / 3, argmax.ForegroundPerGt, 12);
        using var hungarian = new PotoAssigner(new[] { 8 }, 2, alpha: 0.0, centerSamplingRadius: 0).Assign(cls, reg, null, shifts, new[] { (1, 4) }, new[] { gt });
        Assert.Equal(3, hungarian.NumForeground);                 // every GT forced onto a shift
        using var empty = new PotoArgmaxAssigner(new[] { 8 }, 2).Assign(cls, reg, null, shifts, new[] { (1, 4) },
            new[] { new DetectionTarget(zeros(0, 4), zeros(0, dtype: ScalarType.Int64)) });
        Assert.Equal(0, empty.NumForeground);                     // no GT: all background (the reference fails)
        Assert.True(empty.Classes.eq(2).all().item<bool>());
    }
}
