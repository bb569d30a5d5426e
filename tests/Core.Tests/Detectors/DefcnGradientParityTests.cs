using Research.Core.Detectors;
using Research.Core.Tests.Modeling;
using Research.Core.Modeling;
using Research.Core.Modeling.Backbone;
using Research.Core.Modeling.Head;
using Research.Core.Modeling.Weights;
using Research.Core.Runtime;
using Research.Core.Tests.Modeling.Head;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Detectors;

/// <summary>
/// Backward of the whole network against the official code (generate_defcn_grad_fixture.py): the narrow
/// R-50 DeFCN of DefcnParityTests with the official weights, in train mode, gives the official gradient
/// for every trainable parameter — with the speed-ups (channels-last activations, FrozenBN folded into the
/// convs) on and off. Tolerance: 5e-5 of each gradient tensor's largest magnitude (gradients sum over
/// every position; measured ≤ 8e-6 with both speed-ups off and ≤ 3.1e-5 with them on, the largest for the
/// per-level Scale scalars).
/// </summary>
public class DefcnGradientParityTests
{
    public DefcnGradientParityTests() => TorchRuntime.EnsureLoaded();

    // Conv biases whose gradient is exactly zero: each is a per-channel constant that reaches a GroupNorm with one
    // channel per group (C = 32, 32 groups) unchanged — directly, or through MaxFiltering's resize / max pool — and
    // the norm subtracts it again.
    private static readonly HashSet<string> ZeroInExactArithmetic = new(StringComparer.Ordinal)
    {
        "head.cls_subnet.0.bias", "head.bbox_subnet.0.bias", "head.max3d.conv.bias",
    };

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void NarrowR50GradientsMatchOfficial(bool channelsLast, bool foldFrozenNorm)
    {
        var fx = HeadFixtures.Load("defcn_r50_narrow.safetensors");
        var gx = HeadFixtures.Load("defcn_r50_narrow_grad.safetensors");
        using var model = new Defcn(
            ResNetFpnBuilder.Build(depth: 50, stemOutChannels: 8, res2OutChannels: 8, widthPerGroup: 2, outChannels: 32),
            numClasses: 3, head: new HeadOptions(NumConvs: 1)) { ChannelsLast = channelsLast };
        var weights = fx.Where(kv => kv.Key.StartsWith("model.")).ToDictionary(kv => kv.Key["model.".Length..], kv => kv.Value);
        WeightLoader.LoadStateDict(model, weights, "defcn_r50_narrow.safetensors");
        var folded = 0;
        foreach (var m in model.modules())
            if (m is Conv2dWithNorm c)
            {
                c.FoldFrozenNorm = foldFrozenNorm;
                if (c.Norm is FrozenBatchNorm2d) folded++;
            }
        Assert.True(folded > 50, $"expected the R-50's FrozenBN convs, found {folded}");
        model.train();

        using (var scope = NewDisposeScope())
        {
            var o = model.forward(fx["image"]);
            var loss = zeros(1);
            for (var l = 0; l < 5; l++)
            {
                var p = HeadFixtures.Levels[l];
                loss = loss + (o.Logits[l] * gx[$"dloss.logits.{p}"]).sum()
                            + (o.BoxRegression[l] * gx[$"dloss.bbox_reg.{p}"]).sum()
                            + (o.Filter![l] * gx[$"dloss.filter.{p}"]).sum();
            }
            loss.backward();
        }

        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        var expectedKeys = gx.Keys.Where(k => k.StartsWith("grad.")).Select(k => k["grad.".Length..]).OrderBy(k => k, StringComparer.Ordinal);
        Assert.Equal(expectedKeys, trainable.Select(p => p.name).OrderBy(k => k, StringComparer.Ordinal));
        foreach (var (name, parameter) in trainable)
        {
            using var grad = parameter.grad;
            Assert.NotNull(grad);
            var expected = gx[$"grad.{name}"];
            if (ZeroInExactArithmetic.Contains(name))
            {
                // Both sides hold float rounding noise (official max |g| ≈ 1.6e-5 against O(10-1000) elsewhere).
                Assert.True(grad!.abs().max().item<float>() < 1e-4, $"grad of {name} should be ~0");
                continue;
            }
            HeadFixtures.AssertClose(expected, grad!, $"grad of {name}", rel: 5e-5);
        }
        foreach (var t in fx.Values.Concat(gx.Values)) t.Dispose();
    }
}
