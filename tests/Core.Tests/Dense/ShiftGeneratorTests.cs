using Research.Core.Dense;
using Research.Core.Modeling;
using Research.Core.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Dense;

public class ShiftGeneratorTests
{
    public ShiftGeneratorTests() => TorchRuntime.EnsureLoaded();

    [Theory]
    [InlineData(0, 3, 5)]
    [InlineData(2, 1, 4)]
    [InlineData(4, 2, 1)]
    public void ShiftsAreCellCentresRowMajor(int level, int h, int w)
    {
        var gen = new ShiftGenerator(new[] { 8, 16, 32, 64, 128 });
        using var s = gen.LevelShifts(level, h, w);
        Assert.Equal(new long[] { h * w, 2 }, s.shape);
        var stride = 8 << level;
        var d = s.data<float>().ToArray();
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
            {
                Assert.Equal((x + 0.5f) * stride, d[2 * (y * w + x)]);
                Assert.Equal((y + 0.5f) * stride, d[2 * (y * w + x) + 1]);
            }
    }

    [Fact]
    public void AllShiftsConcatenateLevelsInOrder()
    {
        var gen = new ShiftGenerator(new[] { 8, 16 }, offset: 0.0);
        using var all = gen.AllShifts(new (long, long)[] { (2, 2), (1, 1) });
        Assert.Equal(new float[] { 0, 0, 8, 0, 0, 8, 8, 8, 0, 0 }, all.data<float>().ToArray());
    }

    [Fact]
    public void LargeGridsHaveExactCounts()
    {
        var gen = new ShiftGenerator(new[] { 8 });
        using var s = gen.LevelShifts(0, 167, 100);   // 1333/8 columns-ish sizes: arange rounding must not add a point
        Assert.Equal(167 * 100, s.shape[0]);
        Assert.Equal(99.5f * 8, s[-1, 0].item<float>());
        Assert.Equal(166.5f * 8, s[-1, 1].item<float>());
    }
}
