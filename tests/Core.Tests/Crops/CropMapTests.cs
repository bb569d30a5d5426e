using Research.Core.Data;
using Research.Core.Data.Crops;
using Research.Core.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Crops;

public class CropMapTests
{
    public CropMapTests() => TorchRuntime.EnsureLoaded();

    public static TheoryData<double, double, double> Regions => new()
    {
        { 0, 0, 10 },            // identity-like
        { -37.25, 12.5, 333.3 }, // region off the top-left, downscale
        { 611.7, 402.1, 3.9 },   // tiny target far inside a large frame, big upscale
        { -1e3, -2e3, 5e3 },     // target larger than the frame
    };

    [Theory]
    [MemberData(nameof(Regions))]
    public void ScalarRoundTripsAreExactToDoublePrecision(double ox, double oy, double side)
    {
        var map = new CropMap(ox, oy, side, 127);
        var rng = new Random(3);
        for (var i = 0; i < 100; i++)
        {
            var b = BoxXyxy.FromXywh(rng.NextDouble() * 700 - 50, rng.NextDouble() * 500 - 50, rng.NextDouble() * 200, rng.NextDouble() * 200);
            var back = map.CropToFrame(map.FrameToCrop(b));
            foreach (var (x, y) in new[] { (b.X1, back.X1), (b.Y1, back.Y1), (b.X2, back.X2), (b.Y2, back.Y2) })
                Assert.True(Math.Abs(x - y) <= 1e-12 * (Math.Abs(x) + Math.Abs(ox) + Math.Abs(oy) + side), $"{b} → {back}");
            // the affine form with scale and offset is the same map
            var (cx, _) = map.FrameToCrop(b.X1, b.Y1);
            Assert.Equal(b.X1 * map.Scale + map.OffsetX, cx, 9);
        }
    }

    [Theory]
    [MemberData(nameof(Regions))]
    public void TensorRoundTripsAreExactToFloatPrecision(double ox, double oy, double side)
    {
        using var scope = NewDisposeScope();
        var map = new CropMap(ox, oy, side, 127);
        var g = new TorchSharp.torch.Generator(5);
        var xy = rand(new long[] { 50, 2 }, generator: g) * 700 - 50;
        var wh = rand(new long[] { 50, 2 }, generator: g) * 200;
        var boxes = cat(new[] { xy, xy + wh }, 1); // (50, 4) float32
        var crop = map.FrameToCrop(boxes);
        Assert.Equal(ScalarType.Float32, crop.dtype);
        var back = map.CropToFrame(crop);
        // float32 rounding of the crop coordinates, carried back through 1 / scale, plus the final rounding
        var tol = 4 * 1.2e-7 * (700 + Math.Abs(ox) + Math.Abs(oy) + side);
        Assert.True((back - boxes).abs().max().item<float>() <= tol);
        // and the tensor form agrees with the scalar form
        var b0 = boxes[0].to_type(ScalarType.Float64).data<double>().ToArray();
        var s0 = map.FrameToCrop(new BoxXyxy(b0[0], b0[1], b0[2], b0[3]));
        Assert.Equal((float)s0.X1, crop[0, 0].item<float>());
        Assert.Equal((float)s0.Y2, crop[0, 3].item<float>());
    }

    [Fact]
    public void RejectsBoxesOfTheWrongShape()
    {
        using var scope = NewDisposeScope();
        var map = new CropMap(0, 0, 10, 10);
        var e = Assert.Throws<ArgumentException>(() => map.FrameToCrop(zeros(3, 5)));
        Assert.Contains("(3, 5)", e.Message);
    }
}
