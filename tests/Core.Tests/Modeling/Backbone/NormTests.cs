using Research.Core.Modeling.Backbone;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Modeling.Backbone;

/// <summary>FrozenBatchNorm2d against its formula; norm choices and their initial values.</summary>
public class NormTests
{
    [Fact]
    public void FrozenBatchNormFollowsItsFormulaOnHandValues()
    {
        Research.Core.Runtime.TorchRuntime.EnsureLoaded();
        using var bn = new FrozenBatchNorm2d(2);
        bn.Weight.copy_(tensor(new float[] { 2f, 0.5f }));
        bn.Bias.copy_(tensor(new float[] { 1f, -1f }));
        bn.RunningMean.copy_(tensor(new float[] { 3f, -2f }));
        bn.RunningVar.copy_(tensor(new float[] { 4f - 1e-5f, 0.25f - 1e-5f }));
        using var x = tensor(new float[] { 3, 5, 1, -2, 0, 2 }).reshape(1, 2, 1, 3);
        using var y = bn.call(x);
        // channel 0: (x − 3) / 2 · 2 + 1 = x − 2 ; channel 1: (x + 2) / 0.5 · 0.5 − 1 = x + 1
        var expected = new float[] { 1, 3, -1, -1, 1, 3 };
        var actual = y.data<float>().ToArray();
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 5);
    }

    [Fact]
    public void FrozenBatchNormMatchesEvalBatchNormOnRandomValues()
    {
        Research.Core.Runtime.TorchRuntime.EnsureLoaded();
        manual_seed(3);
        using var frozen = new FrozenBatchNorm2d(5);
        using var reference = nn.BatchNorm2d(5);
        using (no_grad())
        {
            using var w = rand(5) + 0.5; using var b = randn(5); using var m = randn(5); using var v = rand(5) + 0.1;
            frozen.Weight.copy_(w); frozen.Bias.copy_(b); frozen.RunningMean.copy_(m); frozen.RunningVar.copy_(v);
            reference.weight!.copy_(w); reference.bias!.copy_(b); reference.running_mean!.copy_(m); reference.running_var!.copy_(v);
        }
        reference.eval();
        using var x = randn(2, 5, 3, 4);
        using var a = frozen.call(x);
        using var e = reference.call(x);
        Assert.True(a.allclose(e, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void FrozenBatchNormStartsAsIdentityWithReferenceBuffers()
    {
        Research.Core.Runtime.TorchRuntime.EnsureLoaded();
        using var bn = new FrozenBatchNorm2d(3);
        Assert.Equal(new[] { "weight", "bias", "running_mean", "running_var" }, bn.state_dict().Keys);
        Assert.Empty(bn.parameters());
        Assert.Equal(1 - 1e-5, bn.RunningVar[0].item<float>(), 6);
        using var x = randn(1, 3, 2, 2);
        using var y = bn.call(x);
        Assert.True(y.allclose(x, rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void GroupNormIsInitialisedToOnesAndZeros()
    {
        // TorchSharp 0.107 leaves GroupNorm's affine parameters uninitialised; ours must be 1 and 0.
        for (var i = 0; i < 5; i++)
        {
            using var gn = (GroupNorm)Norm.Create(Norm.GN, 64)!;
            Assert.True(gn.weight!.eq(1).all().item<bool>());
            Assert.True(gn.bias!.eq(0).all().item<bool>());
        }
        using var model = ResNetFpnBuilder.Build(depth: 18, norm: Norm.GN, freezeAt: 0, fpnNorm: Norm.GN, stemOutChannels: 32, res2OutChannels: 32, outChannels: 32);
        var gnParams = model.named_parameters().Where(p => p.name.Contains(".norm.", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(gnParams);
        foreach (var (name, p) in gnParams)
            Assert.True(p.eq(name.EndsWith("weight", StringComparison.Ordinal) ? 1 : 0).all().item<bool>(), name);
    }

    [Fact]
    public void NormChoicesCreateTheirLayers()
    {
        Research.Core.Runtime.TorchRuntime.EnsureLoaded();
        Assert.Null(Norm.Create(Norm.None, 8));
        Assert.IsType<FrozenBatchNorm2d>(Norm.Create(Norm.FrozenBN, 8));
        Assert.IsType<SafeBatchNorm2d>(Norm.Create(Norm.BN, 8));
        Assert.IsType<FrozenBatchNorm2d>(Norm.Create(Norm.BN, 8, frozen: true));
        var e = Assert.Throws<ArgumentException>(() => Norm.Create(Norm.GN, 48));
        Assert.Contains("48", e.Message);
        Assert.Throws<ArgumentException>(() => Norm.Create("LN", 8));
    }
}
