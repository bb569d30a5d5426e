using Research.Core.Modeling;
using Research.Core.Modeling.Backbone;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Modeling.Backbone;

/// <summary>Output shapes of the pyramid for several input sizes, and the shape specs it announces.</summary>
public class FpnShapeTests
{
    [Theory]
    [InlineData(1, 64, 64, new long[] { 8, 4, 2, 1, 1 }, new long[] { 8, 4, 2, 1, 1 })]
    [InlineData(2, 96, 160, new long[] { 12, 6, 3, 2, 1 }, new long[] { 20, 10, 5, 3, 2 })]
    [InlineData(1, 128, 32, new long[] { 16, 8, 4, 2, 1 }, new long[] { 4, 2, 1, 1, 1 })]
    // Not a multiple of 32 (the reference would fail in the top-down sum): 70 → 35 → 18 → 9 → 5 → 3 → 2 → 1.
    [InlineData(1, 70, 100, new long[] { 9, 5, 3, 2, 1 }, new long[] { 13, 7, 4, 2, 1 })]
    public void LevelsHaveStrideSizedMaps(int n, int h, int w, long[] heights, long[] widths)
    {
        BackboneFixtures.Path("");   // loads torch
        manual_seed(0);
        using var model = BackboneFixtures.NarrowR50();
        model.eval();
        using var guard = no_grad();
        using var x = randn(n, 3, h, w);
        var outs = model.call(x);
        Assert.Equal(5, outs.Length);
        for (var l = 0; l < 5; l++)
            Assert.Equal(new[] { n, 16, heights[l], widths[l] }, outs[l].shape);
        BackboneFixtures.DisposeAll(outs);
    }

    [Fact]
    public void ShapeSpecsAreChannelsAndStridesOfP3ToP7()
    {
        using var model = ResNetFpnBuilder.Build(depth: 18, outChannels: 64);
        Assert.Equal(new[] { new ShapeSpec(64, 8), new ShapeSpec(64, 16), new ShapeSpec(64, 32), new ShapeSpec(64, 64), new ShapeSpec(64, 128) },
            model.OutputShapes);
        Assert.Equal(32, model.SizeDivisibility);
        var resnet = (ResNet)model.BottomUp;
        Assert.Equal(new[] { "res3", "res4", "res5" }, resnet.OutputNames);
        Assert.Equal(new[] { new ShapeSpec(128, 8), new ShapeSpec(256, 16), new ShapeSpec(512, 32) }, resnet.OutputShapes);
    }

    [Fact]
    public void ResNetReturnsTheRequestedStagesWithTheirStrides()
    {
        BackboneFixtures.Path("");
        using var net = new ResNet(depth: 50, outFeatures: new[] { "stem", "res2", "res4" }, stemOutChannels: 8, res2OutChannels: 16, widthPerGroup: 4);
        Assert.Equal(new[] { new ShapeSpec(8, 4), new ShapeSpec(16, 4), new ShapeSpec(64, 16) }, net.OutputShapes);
        Assert.Equal(3, net.Stages.Count);   // res5 is not built: nothing reads it
        using var guard = no_grad();
        using var x = randn(1, 3, 64, 32);
        var outs = net.call(x);
        Assert.Equal(new long[] { 1, 8, 16, 8 }, outs[0].shape);
        Assert.Equal(new long[] { 1, 16, 16, 8 }, outs[1].shape);
        Assert.Equal(new long[] { 1, 64, 4, 2 }, outs[2].shape);
        BackboneFixtures.DisposeAll(outs);
        Assert.Throws<ArgumentException>(() => new ResNet(depth: 18, outFeatures: new[] { "res4", "res3" }));
        Assert.Throws<ArgumentException>(() => new ResNet(depth: 18, outFeatures: new[] { "res6" }));
    }
}
