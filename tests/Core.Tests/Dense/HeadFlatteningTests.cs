using Research.Core.Dense;
using Research.Core.Modeling;
using Research.Core.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Dense;

public class HeadFlatteningTests
{
    public HeadFlatteningTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void PositionIsLevelOffsetPlusRowMajorIndex()
    {
        using var scope = NewDisposeScope();
        // value = 1000·n + 100·k + 10·y + x, so the flattened layout can be read back.
        Tensor Level(int h, int w, int k, int bias) =>
            (arange(2).reshape(2, 1, 1, 1) * 1000 + arange(k).reshape(1, k, 1, 1) * 100 + arange(h).reshape(1, 1, h, 1) * 10 + arange(w).reshape(1, 1, 1, w) + bias).to(ScalarType.Float32);
        var p3 = Level(2, 3, 2, 0);
        var p4 = Level(1, 2, 2, 5000);
        var flat = HeadFlattening.FlattenAndConcat(new[] { p3, p4 }, 2);   // (2, 8, 2)
        Assert.Equal(new long[] { 2, 8, 2 }, flat.shape);
        Assert.Equal(12f, flat[0, 5, 0].item<float>());            // level 0, y=1, x=2
        Assert.Equal(1112f, flat[1, 5, 1].item<float>());          // image 1, class 1
        Assert.Equal(5001f, flat[0, 7, 0].item<float>());          // level 1 starts at offset 6: y=0, x=1
        Assert.Equal(6101f, flat[1, 7, 1].item<float>());
    }

    [Theory]
    [InlineData(1, 1, 2, 2)]   // K = 1 (the filter branch): the permute is a no-op view
    [InlineData(2, 3, 1, 1)]   // 1×1 level (P7 of a small image)
    [InlineData(2, 3, 2, 2)]
    public void ResultDoesNotAliasTheInput(int n, int k, int h, int w)
    {
        using var x = zeros(n, k, h, w);
        using var y = HeadFlattening.PermuteToNHWAK(x, k);
        y.add_(1);
        Assert.Equal(0f, x.sum().item<float>());
    }
}
