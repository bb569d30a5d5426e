using Research.Core.Modeling.Head;
using Research.Core.Runtime;
using Xunit;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Research.Core.Tests.Modeling.Head;

/// <summary>
/// MaxFiltering pools only the depth slice it keeps, with a (D, k, k) window over the D stacked levels. This
/// checks it against the reference's formulation — (τ+1, k, k) pool with depth padding τ/2 over the whole
/// volume, then the slice of level l — in outputs and in gradients, on small-integer inputs where the
/// maxima tie everywhere (the gradient must reach the same argmax element).
/// </summary>
public class MaxFilteringPoolTests
{
    public MaxFilteringPoolTests() => TorchRuntime.EnsureLoaded();

    private static readonly (int H, int W)[] Sizes = { (8, 6), (4, 3), (2, 2), (1, 1), (1, 1) };

    [Theory]
    [InlineData(3, 2, false)]
    [InlineData(3, 2, true)]
    [InlineData(1, 4, false)]
    [InlineData(5, 4, true)]
    [InlineData(3, 0, false)]
    public void SingleSlicePoolEqualsFullPoolThenSelectWithTies(int k, int tau, bool channelsLast)
    {
        using var scope = NewDisposeScope();
        manual_seed(31 + k + tau);
        const int channels = 2;
        using var mf = new MaxFiltering(channels, k, tau, useNorm: false);
        var p = mf.state_dict();
        using (no_grad())
        {
            // Identity 3×3 conv, so the pooled maps are the integer inputs (and their bilinear resizes).
            p["conv.weight"].zero_();
            for (var c = 0; c < channels; c++) p["conv.weight"][c, c, 1, 1].fill_(1);
            p["conv.bias"].zero_();
        }
        var inputs = Sizes.Select(s => randint(0, 3, new long[] { 2, channels, s.H, s.W }).to(ScalarType.Float32)).ToArray();
        var weights = Sizes.Select(s => randn(2, channels, s.H, s.W)).ToArray();

        (Tensor[] Out, Tensor[] Grad) Run(Func<Tensor[], Tensor[]> forward)
        {
            var xs = inputs.Select(x => (channelsLast ? MemoryLayout.ToChannelsLast(x.clone()) : x.clone()).requires_grad_(true)).ToArray();
            var outs = forward(xs);
            var loss = outs.Zip(weights, (o, w) => (o * w).sum()).Aggregate((a, b) => a + b);
            loss.backward();
            return (outs.Select(o => o.detach()).ToArray(), xs.Select(x => x.grad!.clone()).ToArray());
        }

        var actual = Run(xs => mf.forward(xs));
        var expected = Run(xs => Reference(xs, k, tau));
        for (var l = 0; l < Sizes.Length; l++)
        {
            Assert.True(expected.Out[l].eq(actual.Out[l]).all().item<bool>(), $"level {l} output");
            Assert.True(expected.Grad[l].allclose(actual.Grad[l], rtol: 1e-6, atol: 1e-6), $"level {l} input gradient");
        }
    }

    // The reference's pooling (fcos.py l.694-728), conv = identity, no GroupNorm.
    private static Tensor[] Reference(Tensor[] xs, int k, int tau)
    {
        var outputs = new Tensor[xs.Length];
        for (var l = 0; l < xs.Length; l++)
        {
            long h = xs[l].shape[2], w = xs[l].shape[3];
            var first = Math.Max(0, l - tau / 2);
            var last = Math.Min(xs.Length - 1, l + tau / 2);
            var maps = Enumerable.Range(first, last - first + 1)
                .Select(j => j == l ? xs[j] : F.interpolate(xs[j], size: new[] { h, w }, mode: InterpolationMode.Bilinear, align_corners: false))
                .ToArray();
            var pooled = F.max_pool3d(stack(maps, 2), new long[] { tau + 1, k, k }, new long[] { 1, 1, 1 }, new long[] { tau / 2, k / 2, k / 2 });
            outputs[l] = (pooled.select(2, l - first) + xs[l]).relu();
        }
        return outputs;
    }
}
