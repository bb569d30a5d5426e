using Research.Core.Modeling.Backbone;
using Research.Core.Runtime;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Modeling.Backbone;

/// <summary>
/// A FrozenBatchNorm2d folded into its convolution (<see cref="Conv2dWithNorm.FoldFrozenNorm"/>) gives the
/// unfolded conv → norm's outputs and gradients (input and weight), keeps keys and buffers, and leaves
/// other norms alone.
/// </summary>
public class FrozenNormFoldingTests
{
    public FrozenNormFoldingTests() => TorchRuntime.EnsureLoaded();

    public static IEnumerable<object[]> Cases() => new[]
    {
        new object[] { 3L, 1L, 1L, false, false },
        new object[] { 1L, 2L, 1L, false, false },
        new object[] { 3L, 2L, 2L, true, false },
        new object[] { 3L, 1L, 1L, false, true },
        new object[] { 7L, 2L, 1L, true, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void FoldedEqualsConvThenNormInValuesAndGradients(long kernel, long stride, long groups, bool bias, bool channelsLast)
    {
        using var scope = NewDisposeScope();
        manual_seed(11 + kernel + stride);
        var conv = new Conv2dWithNorm(4, 6, kernel, stride: stride, padding: kernel / 2, groups: groups, bias: bias,
            norm: new FrozenBatchNorm2d(6));
        var bn = (FrozenBatchNorm2d)conv.Norm!;
        using (no_grad())
        {
            bn.Weight.copy_(rand(6) + 0.5);
            bn.Bias.copy_(randn(6));
            bn.RunningMean.copy_(randn(6));
            bn.RunningVar.copy_(rand(6) + 0.1);
            conv.Bias?.copy_(randn(6));
        }
        var x0 = randn(2, 4, 11, 9);
        var dy = randn(2, 6, (11 + stride - 1) / stride, (9 + stride - 1) / stride);

        (Tensor Y, Tensor Dx, Tensor Dw, Tensor? Db) Run(bool fold)
        {
            conv.FoldFrozenNorm = fold;
            conv.zero_grad();
            var x = x0.clone().requires_grad_(true);
            var y = conv.call(channelsLast ? MemoryLayout.ToChannelsLast(x) : x);
            (y * dy).sum().backward();
            return (y.detach(), x.grad!.clone(), conv.Weight.grad!.clone(), conv.Bias?.grad?.clone());
        }

        var unfolded = Run(fold: false);
        var folded = Run(fold: true);
        Assert.Equal(unfolded.Y.shape, folded.Y.shape);
        Assert.True(folded.Y.allclose(unfolded.Y, rtol: 1e-5, atol: 1e-5), "outputs");
        Assert.True(folded.Dx.allclose(unfolded.Dx, rtol: 1e-5, atol: 1e-5), "input gradient");
        Assert.True(folded.Dw.allclose(unfolded.Dw, rtol: 1e-5, atol: 1e-5), "weight gradient");
        if (bias) Assert.True(folded.Db!.allclose(unfolded.Db!, rtol: 1e-5, atol: 1e-5), "bias gradient");
        if (channelsLast) Assert.True(MemoryLayout.IsChannelsLast(folded.Y));
        Assert.Empty(bn.parameters());   // the norm's tensors stay buffers, untouched
        Assert.Equal(bias ? new[] { "weight", "bias", "norm.weight", "norm.bias", "norm.running_mean", "norm.running_var" }
                          : new[] { "weight", "norm.weight", "norm.bias", "norm.running_mean", "norm.running_var" },
            conv.state_dict().Keys);
    }

    [Fact]
    public void FoldingIsOnByDefaultAndFrozenWeightsGetNoGradient()
    {
        using var scope = NewDisposeScope();
        var conv = new Conv2dWithNorm(3, 4, 3, padding: 1, bias: false, norm: new FrozenBatchNorm2d(4));
        Assert.True(conv.FoldFrozenNorm);
        conv.Weight.requires_grad_(false);   // a frozen stage
        var y = conv.call(randn(1, 3, 5, 5));
        Assert.False(y.requires_grad);
    }

    [Fact]
    public void TrainModeBatchNormIsNotFolded()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var conv = new Conv2dWithNorm(3, 4, 3, padding: 1, bias: false, norm: nn.BatchNorm2d(4));
        conv.train();
        var x = randn(2, 3, 6, 6);
        var y = conv.call(x);
        // Batch statistics: every output channel has mean 0 over (N, H, W).
        Assert.True(y.mean(new long[] { 0, 2, 3 }).abs().max().item<float>() < 1e-5);
    }
}
