using Research.Core.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Runtime;

/// <summary>Channels-last storage: detection from strides, conversion keeps values and lets gradients through.</summary>
public class MemoryLayoutTests
{
    public MemoryLayoutTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void ConversionKeepsShapeAndValuesAndStoresChannelsInnermost()
    {
        using var scope = NewDisposeScope();
        var x = arange(2 * 3 * 4 * 5, dtype: ScalarType.Float32).reshape(2, 3, 4, 5);
        Assert.False(MemoryLayout.IsChannelsLast(x));
        var y = MemoryLayout.ToChannelsLast(x);
        Assert.True(MemoryLayout.IsChannelsLast(y));
        Assert.Equal(x.shape, y.shape);
        Assert.Equal(new long[] { 60, 1, 15, 3 }, y.stride());
        Assert.True(x.eq(y).all().item<bool>());
        Assert.Equal(HostCopy.Floats(x), HostCopy.Floats(y));   // HostCopy reads NCHW order from either layout
        Assert.True(MemoryLayout.IsChannelsLast(MemoryLayout.ToChannelsLast(y)));
    }

    [Fact]
    public void SizeOneDimensionsAndOtherRanksAreHandled()
    {
        using var scope = NewDisposeScope();
        Assert.True(MemoryLayout.IsChannelsLast(zeros(1, 1, 1, 1)));   // both layouts at once
        Assert.True(MemoryLayout.IsChannelsLast(zeros(2, 1, 3, 3)));   // C = 1: NCHW-contiguous is also channels-last
        Assert.False(MemoryLayout.IsChannelsLast(zeros(2, 3, 3)));
        var v = zeros(2, 3, 4);
        Assert.Equal(v.stride(), MemoryLayout.ToChannelsLast(v).stride());
    }

    [Fact]
    public void ConvolutionsKeepTheLayoutAndGradientsReturnToTheInput()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var x = randn(2, 4, 9, 7).requires_grad_(true);
        var w = randn(6, 4, 3, 3);
        var y = nn.functional.conv2d(MemoryLayout.ToChannelsLast(x), w, padding: new long[] { 1, 1 });
        Assert.True(MemoryLayout.IsChannelsLast(y));
        var reference = nn.functional.conv2d(x, w, padding: new long[] { 1, 1 });
        Assert.True(y.allclose(reference, rtol: 1e-5, atol: 1e-5));
        y.sum().backward();
        var g = x.grad!.clone();
        x.grad!.zero_();
        reference.sum().backward();
        Assert.True(g.allclose(x.grad!, rtol: 1e-5, atol: 1e-5));
    }
}
