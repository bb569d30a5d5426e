using Research.Core.Losses;
using Research.Core.Tests.Assignment;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Losses;

/// <summary>loss_cls, loss_box_reg and loss_cls_aux equal the official DeFCN code's (relative 1e-5).</summary>
public class DefcnCriterionParityTests
{
    public static IEnumerable<object[]> Cases => DefcnFixture.Names.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Cases))]
    public void LossesEqualTheOfficialCode(string name)
    {
        using var f = new DefcnFixture(name);
        using var scope = NewDisposeScope();
        var criterion = CriterionHelpers.DefcnCriterion(f.K, f.Strides, f.Alpha, f.Radius, f.TopK, auxEnabled: f.Has("aux_classes"));
        using var output = criterion.Compute(f.Logits, f.BboxReg, f.Filter, f.Shifts, f.Targets);
        var expected = f.Meta.GetProperty("losses");
        var names = expected.EnumerateObject().Select(p => p.Name).OrderBy(x => x).ToArray();
        Assert.Equal(names, output.Losses.Keys.OrderBy(x => x).ToArray());
        foreach (var p in expected.EnumerateObject())
        {
            double ours = output.Losses[p.Name].item<float>();
            double theirs = p.Value.GetDouble();
            Assert.True(Math.Abs(ours - theirs) <= 1e-5 * Math.Abs(theirs), $"{name} {p.Name}: ours {ours:R} official {theirs:R}");
        }
        var scalars = f.Meta.GetProperty("scalars");
        Assert.Equal(scalars.GetProperty("num_fg_per_gt").GetDouble(), output.Diagnostics["num_fg_per_gt"], 12);
        Assert.InRange(output.Diagnostics["mean_matched_iou"], 0.0, 1.0);
    }
}
