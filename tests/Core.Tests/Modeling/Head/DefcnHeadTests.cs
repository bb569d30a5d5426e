using Research.Core.Modeling;
using Research.Core.Modeling.Head;
using Research.Core.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Modeling.Head;

public class DefcnHeadTests
{
    public DefcnHeadTests() => TorchRuntime.EnsureLoaded();

    private static readonly int[] Strides = { 8, 16, 32, 64, 128 };

    private static DefcnHead Head(int channels = 32, int k = 5, HeadOptions? settings = null, FilterOptions? filter = null) =>
        new(Strides.Select(s => new ShapeSpec(channels, s)).ToArray(), k, settings ?? new HeadOptions(NumConvs: 1), filter);

    /// <summary>P3..P7 sizes of an image padded to a multiple of 32: H/8, H/16, H/32, then ceil halves.</summary>
    private static (long H, long W)[] LevelSizes(int h, int w)
    {
        var sizes = new List<(long, long)> { (h / 8, w / 8), (h / 16, w / 16), (h / 32, w / 32) };
        for (var i = 0; i < 2; i++) sizes.Add(((sizes[^1].Item1 + 1) / 2, (sizes[^1].Item2 + 1) / 2));
        return sizes.ToArray();
    }

    [Theory]
    [InlineData(64, 64)]
    [InlineData(96, 160)]
    [InlineData(224, 32)]
    public void OutputShapesFollowTheLevelSizes(int h, int w)
    {
        manual_seed(1);
        using var head = Head();
        using var scope = NewDisposeScope();
        var sizes = LevelSizes(h, w);
        var features = sizes.Select(s => randn(2, 32, s.H, s.W)).ToArray();
        using var o = head.forward(features);
        for (var l = 0; l < 5; l++)
        {
            Assert.Equal(new[] { 2L, 5, sizes[l].H, sizes[l].W }, o.Logits[l].shape);
            Assert.Equal(new[] { 2L, 4, sizes[l].H, sizes[l].W }, o.BoxRegression[l].shape);
            Assert.Equal(new[] { 2L, 1, sizes[l].H, sizes[l].W }, o.Filter![l].shape);
        }
        Assert.True(o.BoxRegression.All(t => t.min().item<float>() >= 0));
        var r = sizes.Sum(s => s.H * s.W);
        var (cls, reg, flt, _) = o.Flatten();
        Assert.Equal(new[] { 2L, r, 5 }, cls.shape);
        Assert.Equal(new[] { 2L, r, 4 }, reg.shape);
        Assert.Equal(new[] { 2L, r, 1 }, flt!.shape);
    }

    [Fact]
    public void InitialisationFollowsTheReference()
    {
        manual_seed(3);
        using var head = Head(channels: 64, k: 80, settings: new HeadOptions(NumConvs: 4, PriorProb: 0.01));
        var state = head.state_dict();
        foreach (var (key, value) in state)
        {
            if (key.StartsWith("scales.")) Assert.Equal(1f, value.item<float>());
            else if (value.dim() == 4)
            {
                var std = value.std().item<float>();
                Assert.True(Math.Abs(std - 0.01) < 0.001, $"{key} std {std}");
                Assert.True(Math.Abs(value.mean().item<float>()) < 0.001, $"{key} mean");
            }
            else if (key == "cls_score.bias") Assert.All(value.data<float>().ToArray(), v => Assert.Equal(-4.59512f, v, 4));
            else if (key.EndsWith(".bias")) Assert.All(value.data<float>().ToArray(), v => Assert.Equal(0f, v));
            else if (key.EndsWith(".weight")) Assert.All(value.data<float>().ToArray(), v => Assert.Equal(1f, v));   // GroupNorm
            else Assert.Fail($"unexpected key {key}");
        }
        Assert.Equal(-Math.Log(99), state["cls_score.bias"][0].item<float>(), 5);
    }

    [Fact]
    public void StateKeysAreTheOfficialOnes()
    {
        using var head = Head(settings: new HeadOptions(NumConvs: 2));
        var keys = head.state_dict().Keys.ToHashSet();
        var expected = new List<string>();
        foreach (var tower in new[] { "cls_subnet", "bbox_subnet" })
            foreach (var i in new[] { 0, 1, 3, 4 }) expected.AddRange(new[] { $"{tower}.{i}.weight", $"{tower}.{i}.bias" });
        foreach (var m in new[] { "cls_score", "bbox_pred", "filter", "max3d.conv", "max3d.norm" }) expected.AddRange(new[] { $"{m}.weight", $"{m}.bias" });
        expected.AddRange(Enumerable.Range(0, 5).Select(l => $"scales.{l}.scale"));
        Assert.Equal(expected.OrderBy(s => s, StringComparer.Ordinal), keys.OrderBy(s => s, StringComparer.Ordinal));

        using var noFilter = Head(filter: new FilterOptions(Enabled: false));
        Assert.DoesNotContain(noFilter.state_dict().Keys, k => k.StartsWith("max3d") || k.StartsWith("filter"));
        using var woGn = Head(filter: new FilterOptions(UseNorm: false));
        Assert.DoesNotContain(woGn.state_dict().Keys, k => k.StartsWith("max3d.norm"));
    }

    [Fact]
    public void RegressionIsReluOfScaledConvTimesStride()
    {
        manual_seed(5);
        using var head = Head();
        using (no_grad()) head.state_dict()["scales.2.scale"].fill_(-1.0);   // negative scale: relu zeroes positive convs
        using var scope = NewDisposeScope();
        var features = LevelSizes(128, 128).Select(s => randn(1, 32, s.H, s.W)).ToArray();
        using var o = head.forward(features);
        using var o2 = head.forward(features);
        Assert.True(o.BoxRegression[2].max().item<float>() >= 0);
        // Level p5 with scale −1 is the negated level with scale 1 through relu: relu(−x)·32.
        using (no_grad()) head.state_dict()["scales.2.scale"].fill_(1.0);
        using var o3 = head.forward(features);
        var plus = o3.BoxRegression[2];
        var minus = o2.BoxRegression[2];
        Assert.True((plus * minus).abs().max().item<float>() == 0, "relu(x)·relu(−x) must vanish");
        Assert.True(plus.max().item<float>() > 0 && minus.max().item<float>() > 0);
    }

    [Fact]
    public void LevelNamesFollowStridesAndChannelsMustSuitGroupNorm()
    {
        using var head = Head();
        Assert.Equal("p3", head.LevelName(0));
        Assert.Equal("p7", head.LevelName(4));
        Assert.Throws<ArgumentException>(() => Head(channels: 48));
    }
}
