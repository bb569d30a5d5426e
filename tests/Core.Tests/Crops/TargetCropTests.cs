using Research.Core.Data;
using Research.Core.Data.Crops;
using Research.Core.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Crops;

/// <summary>
/// Crops of a frame whose value is linear in the pixel position, value(c, y, x) = x + 100 y + 10000 c at
/// pixel (x, y). Bilinear sampling reproduces a linear function exactly, so every crop pixel whose sample
/// point lies in the frame's interior has a known value, and every one whose point lies more than a pixel
/// outside has exactly the channel mean.
/// </summary>
public class TargetCropTests
{
    private const int H = 40, W = 60;

    public TargetCropTests() => TorchRuntime.EnsureLoaded();

    private static Tensor LinearFrame()
    {
        var x = arange(W, dtype: ScalarType.Float32).reshape(1, 1, W);
        var y = arange(H, dtype: ScalarType.Float32).reshape(1, H, 1);
        var c = arange(3, dtype: ScalarType.Float32).reshape(3, 1, 1);
        return x + 100 * y + 10000 * c; // (3, H, W)
    }

    private static double Mean(int c) => 29.5 + 100 * 19.5 + 10000 * c;

    /// <summary>Checks every crop pixel against the oracle; returns (inside, outside) counts checked.</summary>
    private static (int Inside, int Outside) CheckAgainstOracle(Tensor crop, CropMap map, double tol)
    {
        var s = map.OutputSize;
        Assert.Equal(new long[] { 3, s, s }, crop.shape);
        var v = crop.data<float>().ToArray();
        int inside = 0, outside = 0;
        for (var c = 0; c < 3; c++)
        for (var row = 0; row < s; row++)
        for (var col = 0; col < s; col++)
        {
            var (fx, fy) = map.CropToFrame(col + 0.5, row + 0.5);
            double px = fx - 0.5, py = fy - 0.5; // position in pixel-index units (pixel i's centre at i)
            var got = v[(c * s + row) * s + col];
            if (px >= 0 && px <= W - 1 && py >= 0 && py <= H - 1)
            {
                Assert.True(Math.Abs(got - (px + 100 * py + 10000 * c)) <= tol, $"c{c} ({row},{col}) → ({px},{py}): {got}");
                inside++;
            }
            else if (px < -1 || px > W || py < -1 || py > H)
            {
                Assert.Equal(Mean(c), got, 2);
                outside++;
            }
        }
        return (inside, outside);
    }

    [Fact]
    public void UnitScaleIntegerOriginCopiesPixelsAndPadsWithTheMeanAtEveryBorder()
    {
        using var scope = NewDisposeScope();
        var frame = LinearFrame();
        // left, top, right, bottom, top-left corner, bottom-right corner, fully inside
        foreach (var (ox, oy) in new[] { (-30, 10), (10, -25), (40, 10), (10, 30), (-15, -15), (45, 25), (5, 3) })
        {
            var map = new CropMap(ox, oy, 40, 40);
            var crop = TargetCrop.Extract(frame, map).data<float>().ToArray();
            for (var c = 0; c < 3; c++)
            for (var v = 0; v < 40; v++)
            for (var u = 0; u < 40; u++)
            {
                int x = u + ox, y = v + oy;
                var expected = x >= 0 && x < W && y >= 0 && y < H ? x + 100.0 * y + 10000 * c : Mean(c);
                Assert.True(Math.Abs(crop[(c * 40 + v) * 40 + u] - expected) < 0.02, $"origin ({ox},{oy}) c{c} ({v},{u}): {crop[(c * 40 + v) * 40 + u]} vs {expected}");
            }
        }
    }

    [Fact]
    public void UpscaledCropInterpolatesKnownValues()
    {
        using var scope = NewDisposeScope();
        var map = new CropMap(10, 5, 10, 20); // scale 2
        var crop = TargetCrop.Extract(LinearFrame(), map);
        // crop pixel (u, v) samples frame x = 10 + (u + 0.5) / 2: at u = 3, x = 11.75 → value 11.25 + ...
        Assert.Equal(11.25 + 100 * (5 + 7.5 / 2 - 0.5) + 10000, crop[1, 7, 3].item<float>(), 2);
        var (inside, _) = CheckAgainstOracle(crop, map, 0.02);
        Assert.Equal(3 * 20 * 20, inside);
    }

    [Fact]
    public void CropsAroundTargetsAtEveryBorderMatchTheOracle()
    {
        using var scope = NewDisposeScope();
        var frame = LinearFrame();
        var targets = new[]
        {
            new BoxXyxy(0, 15, 8, 25),      // on the left edge
            new BoxXyxy(25, 0, 35, 6),      // on the top edge
            new BoxXyxy(52, 12, 60, 22),    // on the right edge
            new BoxXyxy(20, 34, 32, 40),    // on the bottom edge
            new BoxXyxy(55, 35, 60, 40),    // bottom-right corner
        };
        foreach (var t in targets)
        {
            var (crop, map) = TargetCrop.Around(frame, t, 2, 48);
            Assert.Equal(CropRegion.Around(t, 2, 48), map);
            var (inside, outside) = CheckAgainstOracle(crop, map, 0.05);
            Assert.True(inside > 0 && outside > 0, $"{t}: {inside} inside, {outside} outside");
        }
    }

    [Fact]
    public void TargetLargerThanTheFrameAndTheCropIsDownscaledWithMeanAround()
    {
        using var scope = NewDisposeScope();
        var target = new BoxXyxy(-20, -30, 90, 70); // 110 × 100, larger than the 60 × 40 frame
        var (crop, map) = TargetCrop.Around(LinearFrame(), target, 2, 32);
        Assert.True(map.Scale < 0.2);
        var (inside, outside) = CheckAgainstOracle(crop, map, 0.05);
        Assert.True(inside > 10 && outside > 3 * 32 * 20, $"{inside} inside, {outside} outside");
        var mapped = map.FrameToCrop(target);
        Assert.Equal(16.0, mapped.CenterX, 9);
        Assert.Equal(16.0, mapped.CenterY, 9);
    }

    [Fact]
    public void TinyTargetIsMagnifiedAround()
    {
        using var scope = NewDisposeScope();
        var target = new BoxXyxy(30.2, 20.7, 31.2, 21.7); // 1 × 1: p = 1, side = 2 · 2 = 4
        var (crop, map) = TargetCrop.Around(LinearFrame(), target, 2, 64);
        Assert.Equal(16.0, map.Scale, 12);
        var (inside, _) = CheckAgainstOracle(crop, map, 0.05);
        Assert.Equal(3 * 64 * 64, inside);
        var back = map.CropToFrame(map.FrameToCrop(target));
        Assert.Equal(target.X1, back.X1, 12);
        Assert.Equal(target.Y2, back.Y2, 12);
    }

    [Fact]
    public void NormalisingBeforeOrAfterCroppingIsTheSame()
    {
        // per-channel (x − mean) / std commutes with bilinear sampling and with mean padding, so the tracker may
        // normalise whole frames while training normalises crops
        using var scope = NewDisposeScope();
        var frame = rand(3, H, W, generator: new TorchSharp.torch.Generator(4)) * 255;
        var mean = tensor(new float[] { 120, 110, 100 }).reshape(3, 1, 1);
        var std = tensor(new float[] { 50, 60, 70 }).reshape(3, 1, 1);
        var map = CropRegion.Around(new BoxXyxy(45, 2, 60, 20), 2.5, 40);
        var after = (TargetCrop.Extract(frame, map) - mean) / std;
        var before = TargetCrop.Extract((frame - mean) / std, map);
        Assert.True(after.allclose(before, rtol: 0, atol: 1e-4));
    }

    [Fact]
    public void RejectsNonImageInputs()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => TargetCrop.Extract(zeros(40, 60), new CropMap(0, 0, 10, 10)));
        Assert.Throws<ArgumentException>(() => TargetCrop.Extract(zeros(new long[] { 3, 4, 4 }, dtype: ScalarType.Int64), new CropMap(0, 0, 10, 10)));
    }
}
