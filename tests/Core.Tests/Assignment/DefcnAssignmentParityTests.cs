using Research.Core.Assignment;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Assignment;

/// <summary>POTO and aux targets equal the official DeFCN code's on the committed fixtures.</summary>
public class DefcnAssignmentParityTests
{
    public static IEnumerable<object[]> Cases => DefcnFixture.Names.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Cases))]
    public void PotoTargetsAndMatchesEqualTheOfficialCode(string name)
    {
        using var f = new DefcnFixture(name);
        using var scope = NewDisposeScope();
        var poto = new PotoAssigner(f.Strides, f.K, f.Alpha, f.Radius);
        using var t = poto.Assign(f.Cls, f.Reg, f.Fil, f.AllShifts, f.Sizes, f.Targets);
        var matches = f.Meta.GetProperty("matches").EnumerateArray().ToArray();
        Assert.Equal(f.Targets.Length, matches.Length);
        for (int n = 0; n < matches.Length; n++)
        {
            var gt = matches[n].GetProperty("gt").EnumerateArray().Select(x => x.GetInt32()).ToArray();
            var sh = matches[n].GetProperty("shift").EnumerateArray().Select(x => x.GetInt32()).ToArray();
            Assert.Equal(gt, t.Matches[n].Rows);
            Assert.Equal(sh, t.Matches[n].Columns);
        }
        Assert.True(t.Classes.equal(f["poto_classes"]).all().item<bool>(), $"{name}: class targets differ");
        Assert.True(t.RegTargets.equal(f["poto_reg"]).all().item<bool>(), $"{name}: regression targets differ");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void AuxTargetsEqualTheOfficialCode(string name)
    {
        using var f = new DefcnFixture(name);
        if (!f.Has("aux_classes")) return;   // the filter-free folder has no aux branch
        using var scope = NewDisposeScope();
        var aux = new AuxAssigner(f.K, f.Alpha, f.TopK);
        using var t = aux.Assign(f.Cls, f.Reg, f.AllShifts, f.Sizes, f.Targets);
        var expected = f["aux_classes"];
        var diff = t.Classes.ne(expected).sum().item<long>();
        Assert.True(diff == 0, $"{name}: {diff} aux class targets differ");
        var scalars = f.Meta.GetProperty("scalars");
        Assert.Equal(scalars.GetProperty("num_fg_per_gt_aux").GetDouble(), (double)t.NumForeground / t.NumGt, 12);
    }
}
