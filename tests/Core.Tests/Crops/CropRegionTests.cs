using Research.Core.Data;
using Research.Core.Data.Crops;
using Xunit;

namespace Research.Core.Tests.Crops;

public class CropRegionTests
{
    [Fact]
    public void SideFollowsTheSiameseContextFormula()
    {
        // w = 10, h = 30: p = 20, sqrt(30 · 50) = sqrt(1500)
        Assert.Equal(2 * Math.Sqrt(1500), CropRegion.Side(10, 30, 2), 12);
        // square w = h = 4: p = 4, sqrt(8 · 8) = 8
        Assert.Equal(8.0, CropRegion.Side(4, 4, 1), 12);
        Assert.Throws<ArgumentException>(() => CropRegion.Side(0, 5, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => CropRegion.Side(3, 5, 0));
    }

    [Fact]
    public void TargetCentreMapsToCropCentre()
    {
        var target = new BoxXyxy(100, 50, 140, 70); // 40 × 20, p = 30, sqrt(70 · 50)
        var map = CropRegion.Around(target, 2, 128);
        var side = 2 * Math.Sqrt(3500);
        Assert.Equal(side, map.Side, 12);
        Assert.Equal(120 - side / 2, map.OriginX, 12);
        Assert.Equal(60 - side / 2, map.OriginY, 12);
        var (cx, cy) = map.FrameToCrop(120, 60);
        Assert.Equal(64.0, cx, 10);
        Assert.Equal(64.0, cy, 10);
        var crop = map.FrameToCrop(target);
        Assert.Equal(40 * 128 / side, crop.Width, 10);
        Assert.Equal(20 * 128 / side, crop.Height, 10);
    }

    [Fact]
    public void JitterIsSeededBoundedAndKeepsTheTargetCentreInside()
    {
        var jitter = new CropJitter(0.25, 0.3);
        var a = new Random(7);
        var b = new Random(7);
        var target = new BoxXyxy(10, 10, 30, 50);
        var side = CropRegion.Side(20, 40, 2);
        for (var i = 0; i < 200; i++)
        {
            var ja = jitter.Sample(a);
            Assert.Equal(ja, jitter.Sample(b));
            Assert.InRange(ja.ShiftX, -0.25, 0.25);
            Assert.InRange(ja.ShiftY, -0.25, 0.25);
            Assert.InRange(ja.SideFactor, 1 / 1.3 - 1e-12, 1.3 + 1e-12);
            var map = CropRegion.Around(target, 2, 64, ja);
            Assert.Equal(side * ja.SideFactor, map.Side, 9);
            var (cx, cy) = map.FrameToCrop(target.CenterX, target.CenterY);
            Assert.InRange(cx, 0, 64);
            Assert.InRange(cy, 0, 64);
            // the shift is a fraction of the unjittered side: centre − crop centre = −shift · side · scale
            Assert.Equal(32 - ja.ShiftX * side * map.Scale, cx, 8);
        }
        Assert.Equal((0.0, 0.0, 1.0), CropJitter.None.Sample(new Random(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CropJitter(0.5, 0).Sample(new Random(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CropJitter(0.1, -0.1).Sample(new Random(1)));
    }
}
