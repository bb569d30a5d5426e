using Research.Core.Modeling.Head;
using Research.Core.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Modeling.Head;

/// <summary>
/// MaxFiltering against a loop implementation of the paper's definition (DeFCN §3.3, fcos.py l.694-728):
/// conv 3×3 (loops), size-based bilinear resize with align_corners false (loops), max over the (τ+1, k, k)
/// window with levels outside the pyramid and pixels outside the map ignored, residual of the input,
/// optional GroupNorm, ReLU.
/// </summary>
public class MaxFilteringNaiveTests
{
    public MaxFilteringNaiveTests() => TorchRuntime.EnsureLoaded();

    private static readonly (int H, int W)[] Sizes = { (7, 5), (4, 3), (3, 2), (2, 1), (1, 1) };

    public static IEnumerable<object[]> Cases() =>
        from k in new[] { 1, 3, 5 } from tau in new[] { 0, 2, 4 } select new object[] { k, tau };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesLoopImplementationWithoutNorm(int k, int tau) => Check(k, tau, channels: 2, norm: false);

    [Theory]
    [InlineData(3, 2)]
    [InlineData(5, 4)]
    public void MatchesLoopImplementationWithGroupNorm(int k, int tau) => Check(k, tau, channels: 32, norm: true);

    private static void Check(int k, int tau, int channels, bool norm)
    {
        manual_seed(7 + k * 10 + tau);
        using var mf = new MaxFiltering(channels, k, tau, norm);
        var p = mf.state_dict();
        using (no_grad())
        {
            p["conv.weight"].normal_(0, 0.3);
            p["conv.bias"].normal_(0, 0.3);
            if (norm) { p["norm.weight"].normal_(1, 0.2); p["norm.bias"].normal_(0, 0.2); }
        }
        using var scope = NewDisposeScope();
        var inputs = Sizes.Select(s => randn(1, channels, s.H, s.W)).ToArray();
        var actual = mf.forward(inputs);
        var expected = Naive(inputs.Select(ToArray).ToArray(), ToArray4(p["conv.weight"]), p["conv.bias"].data<float>().ToArray(),
            norm ? p["norm.weight"].data<float>().ToArray() : null, norm ? p["norm.bias"].data<float>().ToArray() : null, k, tau);
        for (var l = 0; l < inputs.Length; l++)
        {
            var a = actual[l][0].contiguous().data<float>().ToArray();
            var e = expected[l].Cast<double>().ToArray();
            Assert.Equal(e.Length, a.Length);
            for (var i = 0; i < e.Length; i++) Assert.True(Math.Abs(e[i] - a[i]) <= 1e-4 + 1e-4 * Math.Abs(e[i]), $"level {l} index {i}: {e[i]} vs {a[i]}");
        }
    }

    private static float[,,] ToArray(Tensor x)
    {
        int c = (int)x.shape[1], h = (int)x.shape[2], w = (int)x.shape[3];
        var d = x.contiguous().data<float>().ToArray();
        var r = new float[c, h, w];
        for (var i = 0; i < c; i++) for (var y = 0; y < h; y++) for (var xx = 0; xx < w; xx++) r[i, y, xx] = d[(i * h + y) * w + xx];
        return r;
    }

    private static float[,,,] ToArray4(Tensor wt)
    {
        int o = (int)wt.shape[0], c = (int)wt.shape[1];
        var d = wt.contiguous().data<float>().ToArray();
        var r = new float[o, c, 3, 3];
        for (var a = 0; a < o; a++) for (var b = 0; b < c; b++) for (var y = 0; y < 3; y++) for (var x = 0; x < 3; x++) r[a, b, y, x] = d[((a * c + b) * 3 + y) * 3 + x];
        return r;
    }

    private static double[,,] Conv(float[,,] x, float[,,,] w, float[] b)
    {
        int c = x.GetLength(0), h = x.GetLength(1), wd = x.GetLength(2), o = w.GetLength(0);
        var r = new double[o, h, wd];
        for (var oc = 0; oc < o; oc++)
        for (var y = 0; y < h; y++)
        for (var xx = 0; xx < wd; xx++)
        {
            double s = b[oc];
            for (var ic = 0; ic < c; ic++)
            for (var dy = -1; dy <= 1; dy++)
            for (var dx = -1; dx <= 1; dx++)
            {
                int yy = y + dy, xs = xx + dx;
                if (yy >= 0 && yy < h && xs >= 0 && xs < wd) s += w[oc, ic, dy + 1, dx + 1] * x[ic, yy, xs];
            }
            r[oc, y, xx] = s;
        }
        return r;
    }

    // PyTorch's bilinear, align_corners=False, scale = in/out: src = (dst + 0.5)·scale − 0.5, clamped at 0.
    private static double[,,] Resize(double[,,] f, int oh, int ow)
    {
        int c = f.GetLength(0), ih = f.GetLength(1), iw = f.GetLength(2);
        var r = new double[c, oh, ow];
        for (var y = 0; y < oh; y++)
        for (var x = 0; x < ow; x++)
        {
            var sy = Math.Max(0, (y + 0.5) * ih / oh - 0.5);
            var sx = Math.Max(0, (x + 0.5) * iw / ow - 0.5);
            int y0 = (int)sy, x0 = (int)sx, y1 = Math.Min(y0 + 1, ih - 1), x1 = Math.Min(x0 + 1, iw - 1);
            double ly = sy - y0, lx = sx - x0;
            for (var ch = 0; ch < c; ch++)
                r[ch, y, x] = (1 - ly) * ((1 - lx) * f[ch, y0, x0] + lx * f[ch, y0, x1]) + ly * ((1 - lx) * f[ch, y1, x0] + lx * f[ch, y1, x1]);
        }
        return r;
    }

    private static double[][,,] Naive(float[][,,] inputs, float[,,,] w, float[] b, float[]? gnW, float[]? gnB, int k, int tau)
    {
        var levels = inputs.Length;
        var f = inputs.Select(x => Conv(x, w, b)).ToArray();
        var outputs = new double[levels][,,];
        for (var l = 0; l < levels; l++)
        {
            int c = f[l].GetLength(0), h = f[l].GetLength(1), wd = f[l].GetLength(2);
            var neighbours = new List<double[,,]>();
            for (var j = Math.Max(0, l - tau / 2); j <= Math.Min(levels - 1, l + tau / 2); j++)
                neighbours.Add(j == l ? f[j] : Resize(f[j], h, wd));
            var o = new double[c, h, wd];
            for (var ch = 0; ch < c; ch++)
            for (var y = 0; y < h; y++)
            for (var x = 0; x < wd; x++)
            {
                var m = double.NegativeInfinity;
                foreach (var g in neighbours)
                    for (var dy = -k / 2; dy <= k / 2; dy++)
                    for (var dx = -k / 2; dx <= k / 2; dx++)
                    {
                        int yy = y + dy, xx = x + dx;
                        if (yy >= 0 && yy < h && xx >= 0 && xx < wd) m = Math.Max(m, g[ch, yy, xx]);
                    }
                o[ch, y, x] = m + inputs[l][ch, y, x];
            }
            if (gnW != null) GroupNorm(o, gnW, gnB!, 32);
            for (var ch = 0; ch < c; ch++) for (var y = 0; y < h; y++) for (var x = 0; x < wd; x++) o[ch, y, x] = Math.Max(0, o[ch, y, x]);
            outputs[l] = o;
        }
        return outputs;
    }

    private static void GroupNorm(double[,,] o, float[] gw, float[] gb, int groups)
    {
        int c = o.GetLength(0), h = o.GetLength(1), w = o.GetLength(2), per = c / groups;
        for (var g = 0; g < groups; g++)
        {
            double sum = 0, sq = 0; var n = per * h * w;
            for (var ch = g * per; ch < (g + 1) * per; ch++) for (var y = 0; y < h; y++) for (var x = 0; x < w; x++) sum += o[ch, y, x];
            var mean = sum / n;
            for (var ch = g * per; ch < (g + 1) * per; ch++) for (var y = 0; y < h; y++) for (var x = 0; x < w; x++) sq += (o[ch, y, x] - mean) * (o[ch, y, x] - mean);
            var std = Math.Sqrt(sq / n + 1e-5);
            for (var ch = g * per; ch < (g + 1) * per; ch++) for (var y = 0; y < h; y++) for (var x = 0; x < w; x++) o[ch, y, x] = (o[ch, y, x] - mean) / std * gw[ch] + gb[ch];
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void OddTauIsRefusedSayingTheOfficialCodeFails(int tau)
    {
        var e = Assert.Throws<ArgumentException>(() => new MaxFiltering(32, 3, tau));
        Assert.Contains($"got {tau}", e.Message);
        Assert.Contains("official DeFCN MaxFiltering fails for odd tau", e.Message);
    }

    [Fact]
    public void EvenKernelIsRefused() => Assert.Throws<ArgumentException>(() => new MaxFiltering(32, 2, 2));

    [Fact]
    public void StateKeysFollowTheReference()
    {
        using var withGn = new MaxFiltering(32);
        Assert.Equal(new[] { "conv.bias", "conv.weight", "norm.bias", "norm.weight" }, withGn.state_dict().Keys.OrderBy(s => s, StringComparer.Ordinal));
        using var noGn = new MaxFiltering(32, useNorm: false);
        Assert.Equal(new[] { "conv.bias", "conv.weight" }, noGn.state_dict().Keys.OrderBy(s => s, StringComparer.Ordinal));
    }
}
