using Research.Core.Assignment;
using Research.Core.Data;
using Research.Core.Dense;
using Research.Core.Losses;
using Research.Core.Tests.Losses;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Assignment;

/// <summary>The center rule equals the official center...3x_ms code on committed fixtures.</summary>
public class CenterRuleParityTests
{
    public static IEnumerable<object[]> Cases => new[] { "center_case1", "center_case2", "center_case3" }.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Cases))]
    public void TargetsAndLossesEqualTheOfficialCode(string name)
    {
        using var f = new DefcnFixture(name);
        using var scope = NewDisposeScope();
        var bounds = f.Meta.GetProperty("size_bounds").EnumerateArray().Select(x => x.GetDouble()).ToArray();
        var rule = new CenterRuleAssigner(CenterRuleAssigner.RangesFromBounds(bounds), f.K);
        using var predictions = new DensePredictions(f.Cls, f.Reg, null, f.AllShifts, f.Sizes);
        using var t = rule.Assign(predictions, f.Targets);
        var expected = f["rule_classes"];
        Assert.True(t.Classes.equal(expected).all().item<bool>(), $"{name}: class targets differ");
        var fg = expected.ge(0).logical_and(expected.ne(f.K));
        Assert.True(t.RegTargets![fg].equal(f["rule_reg"][fg]).all().item<bool>(), $"{name}: regression targets differ");
        Assert.Equal(fg.sum().item<long>(), t.NumForeground);

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
        var bounds = f.Meta.GetProperty("size_bounds").EnumerateArray().Select(x => x.GetDouble()).ToArray();
        var rule = new CenterRuleAssigner(CenterRuleAssigner.RangesFromBounds(bounds), f.K);
        using var predictions = f.Predictions(out var leaves);
        using var losses = new DefcnCriterion(rule).Compute(predictions, f.Targets);
        f.AssertLossesMatch(losses);
        f.AssertGradientsMatch(losses, leaves);
    }

    [Fact]
    public void AGtCanGetTwoPositivesOrNoneAndTheSmallerGtWinsASharedShift()
    {
        // Two levels: P3 (stride 8) 8 × 8 and P4 (stride 16) 4 × 4 of a 64 × 64 input, ranges [−1, 16] and [16, ∞].
        var gen = new ShiftGenerator(new[] { 8, 16 });
        var sizes = new[] { (8, 8), (4, 4) };
        var shifts = gen.AllShifts(sizes.Select(s => ((long)s.Item1, (long)s.Item2)).ToArray());
        var rule = new CenterRuleAssigner(CenterRuleAssigner.RangesFromBounds(new[] { 16.0 }), numClasses: 2);
        long r = shifts.shape[0];
        using var predictions = new DensePredictions(zeros(1, r, 2), zeros(1, r, 4), null, shifts, sizes);
        // GT 0: centre (28, 28) → nearest P3 shift (28, 28), max distance 16 (in [−1, 16]); nearest P4 shift (24, 24),
        // max distance 20 (in [16, ∞]): two positives. GT 1: a 2 × 2 box at (44, 44): nearest P3 shift is its
        // centre, max distance 1 (fine); P4's (40, 40) max distance 6 < 16: one positive. GT 2 is GT 1's larger twin
        // centred on the same P3 shift: the smaller GT 1 keeps that shift.
        var gt = new DetectionTarget(tensor(new float[] { 12, 12, 44, 44, 43, 43, 45, 45, 42, 42, 46, 46 }, new long[] { 3, 4 }), tensor(new long[] { 0, 1, 0 }));
        using var t = rule.Assign(predictions, new[] { gt });
        var m = t.Matches![0];
        Assert.Equal(new[] { 0, 0, 1 }, m.Rows);
        Assert.Equal(new[] { 3 * 8 + 3, 64 + 1 * 4 + 1, 5 * 8 + 5 }, m.Columns);
        Assert.Equal(1.0, t.ForegroundPerGt, 12);                        // 3 positives for 3 GTs, GT 2 has none
        using var none = rule.Assign(predictions, new[] { new DetectionTarget(zeros(0, 4), zeros(0, dtype: ScalarType.Int64)) });
        Assert.True(none.Classes.eq(2).all().item<bool>());             // no GT: all background
    }
}
