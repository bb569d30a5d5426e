using Research.Core.Dense;
using Research.Core.Modeling;
using Research.Core.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Dense;

public class Shift2BoxTransformTests
{
    public Shift2BoxTransformTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void EncodesDistancesToTheFourSides()
    {
        var t = new Shift2BoxTransform();
        using var shifts = tensor(new float[] { 4, 4, 12, 20 }).reshape(2, 2);
        using var boxes = tensor(new float[] { 0, 2, 10, 30 }).reshape(1, 1, 4);
        using var d = t.GetDeltas(shifts, boxes);   // (1, 2, 4)
        Assert.Equal(new long[] { 1, 2, 4 }, d.shape);
        Assert.Equal(new float[] { 4, 2, 6, 26, 12, 18, -2, 10 }, d.data<float>().ToArray());
    }

    [Fact]
    public void DecodeOfEncodeIsTheIdentity()
    {
        manual_seed(11);
        foreach (var t in new[] { new Shift2BoxTransform(), new Shift2BoxTransform(2, 0.5, 1, 3) })
        {
            using var scope = NewDisposeScope();
            var shifts = rand(50, 2) * 100;
            var xy = rand(50, 2) * 100;
            var boxes = cat(new[] { xy, xy + rand(50, 2) * 50 + 1 }, 1);
            var back = t.ApplyDeltas(t.GetDeltas(shifts, boxes), shifts);
            Assert.True((back - boxes).abs().max().item<float>() < 1e-4);
        }
    }

    [Fact]
    public void NonFiniteDeltasAreRefused()
    {
        var t = new Shift2BoxTransform();
        using var d = tensor(new[] { 1f, float.NaN, 1f, 1f }).reshape(1, 4);
        using var s = zeros(1, 2);
        Assert.Throws<ArgumentException>(() => t.ApplyDeltas(d, s));
    }
}
