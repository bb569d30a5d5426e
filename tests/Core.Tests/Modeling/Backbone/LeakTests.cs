using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Modeling.Backbone;

/// <summary>
/// The live-tensor count of this thread (TorchSharp DisposeScopeManager statistics) stays flat over repeated
/// forwards: a forward leaves exactly its outputs behind, and a scoped step leaves nothing.
/// </summary>
public class LeakTests
{
    private static long Live => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    [Fact]
    public void ForwardLeavesOnlyItsOutputsAlive()
    {
        BackboneFixtures.Path("");
        manual_seed(0);
        using var model = BackboneFixtures.NarrowR50();
        model.eval();
        using var guard = no_grad();
        using var x = randn(1, 3, 64, 96);
        BackboneFixtures.DisposeAll(model.call(x));   // warm-up
        var before = Live;
        var outs = model.call(x);
        Assert.Equal(before + outs.Length, Live);
        BackboneFixtures.DisposeAll(outs);
        Assert.Equal(before, Live);
    }

    [Fact]
    public void RepeatedTrainingStepsKeepTheLiveCountFlat()
    {
        BackboneFixtures.Path("");
        manual_seed(0);
        using var model = Research.Core.Modeling.Backbone.ResNetFpnBuilder.Build(
            depth: 50, norm: "BN", freezeAt: 2, stemOutChannels: 8, res2OutChannels: 8, widthPerGroup: 2, outChannels: 16);
        model.train();
        using var x = randn(2, 3, 64, 64);
        var counts = new List<long>();
        for (var step = 0; step < 4; step++)
        {
            using (NewDisposeScope())
            {
                model.zero_grad();
                var outs = model.call(x);
                var loss = outs.Select(o => o.square().mean()).Aggregate((a, b) => a + b);
                loss.backward();
            }
            counts.Add(Live);
        }
        Assert.True(counts.Distinct().Count() == 1, $"live tensors per step: {string.Join(", ", counts)}");
    }
}
