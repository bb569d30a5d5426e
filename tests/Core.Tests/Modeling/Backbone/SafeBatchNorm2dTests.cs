using Research.Core.Modeling.Backbone;
using Research.Core.Runtime;
using Research.Core.Training;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Modeling.Backbone;

public class SafeBatchNorm2dTests
{
    public SafeBatchNorm2dTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void MatchesTorchSharpsBatchNorm2dInTrainingAndEvalWithTheSameStateDictKeys()
    {
        using var scope = NewDisposeScope();
        using var reference = nn.BatchNorm2d(3);
        using var safe = new SafeBatchNorm2d(3);
        Assert.Equal(reference.state_dict().Keys.OrderBy(k => k), safe.state_dict().Keys.OrderBy(k => k));
        using (no_grad())
        {
            reference.weight.copy_(tensor(new float[] { 0.5f, 1.5f, -2 }));
            safe.weight.copy_(reference.weight);
            reference.bias!.copy_(tensor(new float[] { 0.1f, 0, 3 }));
            safe.bias!.copy_(reference.bias);
        }
        var generator = new TorchSharp.torch.Generator(3);
        for (var step = 1; step <= 3; step++)
        {
            var x = randn(new long[] { 4, 3, 5, 6 }, generator: generator) * step + step;
            var xr = x.clone().requires_grad_();
            var xs = x.clone().requires_grad_();
            var yr = reference.forward(xr);
            var ys = safe.forward(xs);
            Assert.True(ys.allclose(yr, rtol: 0, atol: 0));
            (yr * yr).sum().backward();
            (ys * ys).sum().backward();
            Assert.True(xs.grad!.allclose(xr.grad!, rtol: 0, atol: 0));
            Assert.True(safe.weight.grad!.allclose(reference.weight.grad!, rtol: 0, atol: 0));
            Assert.Equal(step, safe.num_batches_tracked!.item<long>());
        }
        Assert.True(safe.running_mean!.allclose(reference.running_mean!, rtol: 0, atol: 0));
        Assert.True(safe.running_var!.allclose(reference.running_var!, rtol: 0, atol: 0));
        reference.eval();
        safe.eval();
        var z = randn(2, 3, 4, 4);
        Assert.True(safe.forward(z).allclose(reference.forward(z), rtol: 0, atol: 0));
        Assert.Equal(3, safe.num_batches_tracked!.item<long>()); // eval does not count
        Assert.True(SgdBuilder.IsTorchNormModule(safe)); // weight_decay_norm applies to it
        Assert.Throws<ArgumentException>(() => safe.forward(zeros(3, 4, 4)));
        var frozen = FrozenBatchNorm2d.FromBatchNorm(safe);
        Assert.True(frozen.forward(z).allclose(safe.forward(z), rtol: 1e-5, atol: 1e-6));
    }
}
