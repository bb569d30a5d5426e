using Research.Core.Detectors;
using Research.Core.Data;
using Research.Core.Losses;
using Research.Core.Modeling;
using Research.Core.Modeling.Backbone;
using Research.Core.Modeling.Head;
using Research.Core.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Training;

/// <summary>
/// DeFCN's training forward end to end (network → POTO + aux assignment → losses → backward): on one fixed
/// batch a tiny DeFCN must drive its total loss down by a large factor, every term staying finite and positive.
/// </summary>
[Collection("torch global RNG")]
public class DefcnOverfitTests
{
    private const int Steps = 200;

    private static Defcn TinyDefcn(bool filter, bool aux)
    {
        var backbone = ResNetFpnBuilder.Build(depth: 18, norm: Norm.None, freezeAt: 0, strideInOneByOne: false,
            stemOutChannels: 8, res2OutChannels: 8, outChannels: 32, topLevels: 0);
        return new Defcn(backbone, numClasses: 3, head: new HeadOptions(NumConvs: 1), filter: new FilterOptions(Enabled: filter), auxiliaryLoss: aux);
    }

    private static ImageBatch FixedBatch()
    {
        var images = randn(1, 3, 64, 64);
        var target = new DetectionTarget(tensor(new float[] { 6, 8, 30, 40, 34, 14, 60, 50, 20, 20, 44, 44 }).reshape(3, 4), tensor(new long[] { 0, 2, 1 }));
        return new ImageBatch(images, new[] { (64, 64) }, new[] { (64, 64) }, new long[] { 1 }, new[] { target });
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void TotalLossFallsByALargeFactorOnOneBatch(bool filter, bool aux)
    {
        global::Research.Core.Runtime.TorchRuntime.EnsureLoaded();
        manual_seed(7);
        var model = TinyDefcn(filter, aux);
        using var batch = FixedBatch();
        model.train();
        using var sgd = optim.SGD(model.parameters(), learningRate: 0.02, momentum: 0.9);
        var expected = aux ? new[] { "loss_cls", "loss_box_reg", "loss_cls_aux" } : new[] { "loss_cls", "loss_box_reg" };
        double first = 0, last = 0;
        var lastTerms = "";
        for (var step = 0; step < Steps; step++)
        {
            using var scope = NewDisposeScope();
            sgd.zero_grad();
            var terms = DetectorLossFunction.Compute(model, batch);
            Assert.Equal(expected, terms.Keys.Where(k => k.StartsWith("loss", StringComparison.Ordinal)).ToArray());
            var total = expected.Select(k => terms[k]).Aggregate((a, b) => a + b);
            foreach (var k in expected)
            {
                var v = terms[k].item<float>();
                Assert.True(float.IsFinite(v) && v > 0, $"{k} = {v} at step {step}");
            }
            Assert.Equal(1.0, terms["num_fg_per_gt"].item<double>(), 6);   // POTO: exactly one shift per GT
            total.backward();
            sgd.step();
            if (step == 0) first = total.item<float>();
            last = total.item<float>();
            lastTerms = string.Join(", ", expected.Select(k => $"{k} {terms[k].item<float>():F4}"));
        }
        Assert.True(last < first / 4, $"total loss {first} → {last}: expected a fall by more than 4× (last: {lastTerms})");
    }
}
