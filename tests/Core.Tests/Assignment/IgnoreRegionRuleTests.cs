using Research.Core.Assignment;
using Research.Core.Data;
using Research.Core.Dense;
using Research.Core.Runtime;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Assignment;

/// <summary>Background shifts strictly inside an ignore region become −1; foreground and outside shifts keep their labels.</summary>
public class IgnoreRegionRuleTests
{
    public IgnoreRegionRuleTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void BackgroundInsideARegionIsIgnoredForegroundStays()
    {
        // One level, stride 8, 4 × 4 shifts at x, y ∈ {4, 12, 20, 28}; K = 2.
        var sizes = new[] { (4, 4) };
        var shifts = new ShiftGenerator(new[] { 8 }).AllShifts(new[] { (4L, 4L) });
        using var predictions = new DensePredictions(zeros(1, 16, 2), zeros(1, 16, 4), null, shifts, sizes);
        // GT (class 1) covers the shifts (4..12, 4..12); the FCOS rule (radius 0, every size) makes those 4 foreground.
        // The ignore region [10, 2, 30, 14] strictly contains the shifts x ∈ {12, 20, 28}, y ∈ {4, 12}: (12, 4) and
        // (12, 12) are foreground and stay; (20, 4), (28, 4), (20, 12), (28, 12) become −1. The shift (20, 20) is outside.
        var inner = new FcosAssigner(new[] { 8 }, new[] { (-1.0, double.PositiveInfinity) }, 2, centerSamplingRadius: 0);
        var gt = new DetectionTarget(tensor(new float[] { 0, 0, 16, 16 }, new long[] { 1, 4 }), tensor(new long[] { 1 }),
            tensor(new float[] { 10, 2, 30, 14 }, new long[] { 1, 4 }));
        using var t = new IgnoreRegionRule(inner, 2).Assign(predictions, new[] { gt });
        var expected = new long[]
        {
            1, 1, -1, -1,
            1, 1, -1, -1,
            2, 2, 2, 2,
            2, 2, 2, 2,
        };
        Assert.Equal(expected, t.Classes[0].data<long>().ToArray());
        Assert.Equal(4, t.NumForeground);
        // Without ignore boxes (or with none) the inner rule's targets come back unchanged.
        var plain = new DetectionTarget(gt.Boxes.clone(), gt.Classes.clone(), zeros(0, 4));
        using var u = new IgnoreRegionRule(inner, 2).Assign(predictions, new[] { plain });
        Assert.Equal(new long[] { 1, 1, 2, 2, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2 }, u.Classes[0].data<long>().ToArray());
    }
}
