using Research.Core.Modeling.Backbone;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Modeling.Backbone;

/// <summary>freeze_at: which parameters train, and BN turned into FrozenBN only in frozen parts (cvpods).</summary>
public class FreezeTests
{
    private static ResNet Build(int freezeAt, string norm = Norm.BN) =>
        new(depth: 18, norm: norm, freezeAt: freezeAt, outFeatures: new[] { "res2", "res3", "res4", "res5" },
            stemOutChannels: 32, res2OutChannels: 32);

    private static bool AnyTrainable(nn.Module m) => m.parameters().Any(p => p.requires_grad);
    private static bool AllTrainable(nn.Module m) => m.parameters().All(p => p.requires_grad);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void StemAndStagesUpToFreezeAtStopTraining(int freezeAt)
    {
        using var net = Build(freezeAt);
        Assert.Equal(freezeAt < 1, AllTrainable(net.Stem));
        Assert.Equal(freezeAt < 1, AnyTrainable(net.Stem));
        for (var stage = 2; stage <= 5; stage++)
        {
            var m = net.Stages[stage - 2];
            var frozen = freezeAt >= stage;
            Assert.True(frozen ? !AnyTrainable(m) : AllTrainable(m), $"res{stage} with freeze_at {freezeAt}");
        }
    }

    [Fact]
    public void BatchNormBecomesFrozenOnlyInFrozenStages()
    {
        using var net = Build(freezeAt: 2);
        var norms = net.named_modules().Where(m => m.name.EndsWith(".norm", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(norms);
        foreach (var (name, module) in norms)
        {
            var frozenPart = name.StartsWith("stem.", StringComparison.Ordinal) || name.StartsWith("res2.", StringComparison.Ordinal);
            if (frozenPart) Assert.IsType<FrozenBatchNorm2d>(module);
            else Assert.IsType<SafeBatchNorm2d>(module);
        }
        // Converted from a fresh BatchNorm2d: running_var copied (1), not FrozenBN's own 1 − eps.
        var stemNorm = (FrozenBatchNorm2d)net.Stem.named_modules().Single(m => m.name == "conv1.norm").module;
        Assert.Equal(1f, stemNorm.RunningVar[0].item<float>());
    }

    [Fact]
    public void GroupNormStaysGroupNormWhenFrozenButStopsTraining()
    {
        using var net = Build(freezeAt: 2, norm: Norm.GN);
        var stemNorm = net.Stem.named_modules().Single(m => m.name == "conv1.norm").module;
        Assert.IsType<GroupNorm>(stemNorm);
        Assert.False(AnyTrainable(stemNorm));
        Assert.True(AllTrainable(net.Stages[1]));
    }

    [Fact]
    public void InvalidFreezeAtAndNormAreRefusedWithTheirValues()
    {
        var e1 = Assert.Throws<ArgumentOutOfRangeException>(() => new ResNet(depth: 18, freezeAt: 6));
        Assert.Contains("6", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => new ResNet(depth: 18, norm: "SyncBN"));
        Assert.Contains("'SyncBN'", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => new ResNet(depth: 42));
        Assert.Contains("42", e3.Message);
        var e4 = Assert.Throws<ArgumentException>(() => new ResNet(depth: 34, numGroups: 32));
        Assert.Contains("num_groups", e4.Message);
    }
}
