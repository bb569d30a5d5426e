using Research.Core.Modeling.Backbone;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Modeling.Backbone;

/// <summary>
/// The full-width backbones' state dicts have exactly the official keys and shapes (cvpods FPN module
/// = the reference's <c>backbone.*</c> keys without the prefix), and exactly the official trainable
/// parameters, for each norm / freeze_at / depth variant the generator recorded.
/// </summary>
public class StateDictKeyTests
{
    private static readonly Lazy<Dictionary<string, (Dictionary<string, long[]> Keys, HashSet<string> Trainable)>> Official =
        new(BackboneFixtures.OfficialKeys);

    public static TheoryData<string, int, string, int, string> Variants => new()
    {
        { "r50_frozenbn_freeze2", 50, Norm.FrozenBN, 2, Norm.None },
        { "r101_frozenbn_freeze2", 101, Norm.FrozenBN, 2, Norm.None },
        { "r18_frozenbn_freeze2", 18, Norm.FrozenBN, 2, Norm.None },
        { "r50_bn_freeze2", 50, Norm.BN, 2, Norm.None },
        { "r50_gn_freeze0", 50, Norm.GN, 0, Norm.None },
        { "r50_frozenbn_freeze0_fpngn", 50, Norm.FrozenBN, 0, Norm.GN },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void KeysShapesAndTrainableParametersEqualOfficial(string variant, int depth, string norm, int freezeAt, string fpnNorm)
    {
        var (keys, trainable) = Official.Value[variant];
        using var model = ResNetFpnBuilder.Build(depth: depth, norm: norm, freezeAt: freezeAt, fpnNorm: fpnNorm);
        var ours = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);

        var missing = keys.Keys.Except(ours.Keys).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var extra = ours.Keys.Except(keys.Keys).OrderBy(k => k, StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            $"{variant}: missing [{string.Join(", ", missing.Take(10))}] extra [{string.Join(", ", extra.Take(10))}]");
        foreach (var (key, shape) in keys) Assert.True(shape.SequenceEqual(ours[key]), $"{variant} {key}: official [{string.Join(",", shape)}] ours [{string.Join(",", ours[key])}]");

        var ourTrainable = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToHashSet();
        Assert.True(trainable.SetEquals(ourTrainable),
            $"{variant}: trainable differs: official-only [{string.Join(", ", trainable.Except(ourTrainable).Take(10))}] ours-only [{string.Join(", ", ourTrainable.Except(trainable).Take(10))}]");
    }

    [Fact]
    public void SpotCheckedKeysReadAsInTheDefcnCheckpoint()
    {
        // Names as in an official DeFCN checkpoint, minus "backbone.".
        using var model = ResNetFpnBuilder.Build();
        var sd = model.state_dict();
        Assert.Equal(new long[] { 64, 3, 7, 7 }, sd["bottom_up.stem.conv1.weight"].shape);
        Assert.Equal(new long[] { 64 }, sd["bottom_up.stem.conv1.norm.running_mean"].shape);
        Assert.Equal(new long[] { 256, 64, 1, 1 }, sd["bottom_up.res2.0.shortcut.weight"].shape);
        Assert.Equal(new long[] { 128, 256, 1, 1 }, sd["bottom_up.res3.0.conv1.weight"].shape);
        Assert.Equal(new long[] { 512, 512, 3, 3 }, sd["bottom_up.res5.2.conv2.weight"].shape);
        Assert.Equal(new long[] { 2048 }, sd["bottom_up.res5.2.conv3.norm.running_var"].shape);
        Assert.Equal(new long[] { 256, 2048, 1, 1 }, sd["fpn_lateral5.weight"].shape);
        Assert.Equal(new long[] { 256 }, sd["fpn_output3.bias"].shape);
        Assert.Equal(new long[] { 256, 256, 3, 3 }, sd["top_block.p7.weight"].shape);
        Assert.False(sd.ContainsKey("bottom_up.res2.0.conv1.bias"));          // convs before a norm have no bias
        Assert.False(sd.ContainsKey("bottom_up.res3.1.shortcut.weight"));     // identity shortcut inside a stage
        Assert.Equal(281, sd.Count);
    }

    [Fact]
    public void FewerTopLevelsDropTheirKeysAndShapes()
    {
        using var p3p6 = ResNetFpnBuilder.Build(depth: 18, outChannels: 32, topLevels: 1);
        var keys = p3p6.state_dict().Keys.Where(k => k.StartsWith("top_block", StringComparison.Ordinal)).OrderBy(k => k, StringComparer.Ordinal);
        Assert.Equal(new[] { "top_block.p6.bias", "top_block.p6.weight" }, keys);
        Assert.Equal(new[] { 8, 16, 32, 64 }, p3p6.OutputShapes.Select(s => s.Stride));
        using var p3p5 = ResNetFpnBuilder.Build(depth: 18, outChannels: 32, topLevels: 0);
        Assert.DoesNotContain(p3p5.state_dict().Keys, k => k.StartsWith("top_block", StringComparison.Ordinal));
        Assert.Equal(new[] { 8, 16, 32 }, p3p5.OutputShapes.Select(s => s.Stride));
    }
}
