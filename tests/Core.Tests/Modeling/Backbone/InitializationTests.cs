using Research.Core.Modeling.Backbone;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Modeling.Backbone;

/// <summary>Initial weights follow cvpods' fills: MSRA (ResNet convs) and Caffe2 Xavier (FPN, P6/P7), biases 0.</summary>
[Collection(GlobalTorchRngCollection.Name)]
public class InitializationTests
{
    [Fact]
    public void ResNetConvsHaveMsraStdAndFpnConvsHaveXavierBounds()
    {
        BackboneFixtures.Path("");
        manual_seed(11);
        using var model = ResNetFpnBuilder.Build(depth: 18, outChannels: 256);
        var p = model.named_parameters().ToDictionary(kv => kv.name, kv => kv.parameter);

        // MSRAFill: N(0, 2 / fan_out), fan_out = C_out·k·k = 512·9 for res5.0.conv2.
        var w = p["bottom_up.res5.0.conv2.weight"];
        var expectedStd = Math.Sqrt(2.0 / (512 * 9));
        Assert.InRange(w.std().item<float>(), expectedStd * 0.98, expectedStd * 1.02);
        Assert.InRange(Math.Abs(w.mean().item<float>()), 0, expectedStd * 0.01);

        // XavierFill (kaiming_uniform a = 1): U(±√(3 / fan_in)), fan_in = 256·9 for fpn_output3.
        foreach (var name in new[] { "fpn_output3.weight", "top_block.p7.weight" })
        {
            var x = p[name];
            var bound = Math.Sqrt(3.0 / (256 * 9));
            Assert.True(x.abs().max().item<float>() <= bound, name);
            Assert.InRange(x.std().item<float>(), bound / Math.Sqrt(3) * 0.98, bound / Math.Sqrt(3) * 1.02);
        }
        var lateral = p["fpn_lateral5.weight"];   // fan_in = 512
        Assert.True(lateral.abs().max().item<float>() <= Math.Sqrt(3.0 / 512));
        foreach (var bias in new[] { "fpn_lateral3.bias", "fpn_output5.bias", "top_block.p6.bias", "top_block.p7.bias" })
            Assert.True(p[bias].eq(0).all().item<bool>(), bias);
    }

    [Fact]
    public void SameSeedGivesTheSameWeights()
    {
        BackboneFixtures.Path("");
        manual_seed(5);
        using var a = BackboneFixtures.NarrowR50();
        manual_seed(5);
        using var b = BackboneFixtures.NarrowR50();
        var sb = b.state_dict();
        foreach (var (key, t) in a.state_dict()) Assert.True(t.equal(sb[key]).all().item<bool>(), key);
    }
}
