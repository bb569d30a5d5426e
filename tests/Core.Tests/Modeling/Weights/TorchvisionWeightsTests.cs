using System.Text.Json;
using Research.Core.Data;
using Research.Core.Modeling.Backbone;
using Research.Core.Modeling.Weights;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Modeling.Weights;

/// <summary>
/// torchvision ResNet state dicts into our ResNet: every key of the real ResNet-18/34/50/101 has its place with its
/// shape; the narrow fixtures (torchvision's own modules, torch.save) load exactly, their values land in the right
/// tensors, and the network then computes what torchvision computed.
/// </summary>
public sealed class TorchvisionWeightsTests
{
    [Theory]
    [InlineData("resnet18", 18)]
    [InlineData("resnet34", 34)]
    [InlineData("resnet50", 50)]
    [InlineData("resnet101", 101)]
    public void EveryKeyOfTheFullWidthModelMapsOntoOurResNetWithItsShape(string name, int depth)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(WeightFixtures.Path("torchvision_resnet_keys.json")));
        var keys = doc.RootElement.GetProperty(name).EnumerateObject()
            .ToDictionary(k => k.Name, k => k.Value.EnumerateArray().Select(e => e.GetInt64()).ToArray());
        Assert.True(TorchvisionResNetNames.Matches(keys.Keys));
        using var model = new ResNet(depth, Norm.FrozenBN, freezeAt: 0, outFeatures: new[] { "res3", "res4", "res5" }, strideInOneByOne: false);
        var ours = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);

        var covered = new HashSet<string>();
        foreach (var (key, shape) in keys)
        {
            var mapped = TorchvisionResNetNames.ToOurs(key);
            if (key.StartsWith("fc.", StringComparison.Ordinal)) { Assert.Null(mapped); continue; }
            Assert.NotNull(mapped);
            if (key.EndsWith("num_batches_tracked", StringComparison.Ordinal)) { Assert.DoesNotContain(mapped, ours.Keys); continue; }   // FrozenBN has none
            Assert.True(ours.ContainsKey(mapped!), $"{key} → {mapped}: not a key of our ResNet-{depth}");
            Assert.True(shape.SequenceEqual(ours[mapped!]), $"{key}: torchvision [{string.Join(", ", shape)}], ours [{string.Join(", ", ours[mapped!])}]");
            covered.Add(mapped!);
        }
        Assert.Equal(ours.Keys.OrderBy(k => k, StringComparer.Ordinal), covered.OrderBy(k => k, StringComparer.Ordinal));
    }

    [Fact]
    public void RenamingFollowsDetectron2sConverter()
    {
        Assert.Equal("stem.conv1.weight", TorchvisionResNetNames.ToOurs("conv1.weight"));
        Assert.Equal("stem.conv1.norm.running_var", TorchvisionResNetNames.ToOurs("bn1.running_var"));
        Assert.Equal("res2.0.conv1.weight", TorchvisionResNetNames.ToOurs("layer1.0.conv1.weight"));
        Assert.Equal("res3.1.conv2.norm.bias", TorchvisionResNetNames.ToOurs("layer2.1.bn2.bias"));
        Assert.Equal("res5.2.conv3.norm.num_batches_tracked", TorchvisionResNetNames.ToOurs("layer4.2.bn3.num_batches_tracked"));
        Assert.Equal("res4.0.shortcut.weight", TorchvisionResNetNames.ToOurs("layer3.0.downsample.0.weight"));
        Assert.Equal("res4.0.shortcut.norm.running_mean", TorchvisionResNetNames.ToOurs("layer3.0.downsample.1.running_mean"));
        Assert.Null(TorchvisionResNetNames.ToOurs("fc.weight"));
        Assert.Null(TorchvisionResNetNames.ToOurs("fc.bias"));
    }

    [Fact]
    public void NarrowResNet18LoadsExactlyAndComputesWhatTorchvisionComputed()
    {
        var path = WeightFixtures.Path("torchvision_resnet18_narrow.pth");
        var file = WeightLoader.ReadStateDict(path);
        var io = WeightFixtures.Read("torchvision_narrow_io.safetensors");
        using var model = WeightFixtures.TorchvisionR18();
        try
        {
            var loaded = BackboneWeights.Load(model, path);
            Assert.Equal(ResNetKeyNaming.Torchvision, loaded.Naming);
            Assert.Equal("ResNet", loaded.Target);
            Assert.Same(PretrainedConvention.Torchvision, loaded.Convention);
            Assert.True(loaded.Report.IsExact);
            Assert.Equal(model.state_dict().Count, loaded.Report.Loaded.Count);
            // Ignored: the classifier and the 20 num_batches_tracked counters FrozenBN has no place for.
            Assert.Contains("fc.weight", loaded.Report.Ignored);
            Assert.Contains("fc.bias", loaded.Report.Ignored);
            Assert.Equal(22, loaded.Report.Ignored.Count);
            Assert.Equal(20, loaded.Report.Ignored.Count(k => k.EndsWith("num_batches_tracked", StringComparison.Ordinal)));

            var state = model.state_dict();
            Assert.True(WeightFixtures.SameValues(state["stem.conv1.weight"], file["conv1.weight"]));
            Assert.True(WeightFixtures.SameValues(state["stem.conv1.norm.running_mean"], file["bn1.running_mean"]));
            Assert.True(WeightFixtures.SameValues(state["res3.0.shortcut.norm.running_var"], file["layer2.0.downsample.1.running_var"]));
            Assert.True(WeightFixtures.SameValues(state["res5.1.conv2.norm.weight"], file["layer4.1.bn2.weight"]));
            WeightFixtures.AssertFeatures(model, io["input"], io, "r18.");
        }
        finally { WeightFixtures.DisposeAll(file.Values.Concat(io.Values)); }
    }

    [Fact]
    public void NarrowResNet50WithTheStrideIn3x3ComputesWhatTorchvisionComputed()
    {
        var io = WeightFixtures.Read("torchvision_narrow_io.safetensors");
        using var model = WeightFixtures.TorchvisionR50();
        try
        {
            var loaded = BackboneWeights.Load(model, WeightFixtures.Path("torchvision_resnet50_narrow.pth"));
            Assert.True(loaded.Report.IsExact);
            Assert.Equal(53, loaded.Report.Ignored.Count(k => k.EndsWith("num_batches_tracked", StringComparison.Ordinal)));
            WeightFixtures.AssertFeatures(model, io["input"], io, "r50.");
        }
        finally { WeightFixtures.DisposeAll(io.Values); }
    }

    [Fact]
    public void TrainableBatchNormTakesTheCountersToo()
    {
        using var model = WeightFixtures.TorchvisionR18(Norm.BN);
        var loaded = BackboneWeights.Load(model, WeightFixtures.Path("torchvision_resnet18_narrow.pth"));
        Assert.True(loaded.Report.IsExact);
        Assert.Equal(new[] { "fc.bias", "fc.weight" }, loaded.Report.Ignored.OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal(1234L, model.state_dict()["res4.1.conv1.norm.num_batches_tracked"].item<long>());
    }

    [Fact]
    public void ABareResNetFileFeedsTheFpnsBottomUpOnlyAndLeavesTheFpnAlone()
    {
        using var fpn = ResNetFpnBuilder.Build(depth: 18, strideInOneByOne: false, stemOutChannels: 4, res2OutChannels: 4, outChannels: 8);
        using var lateral = fpn.state_dict()["fpn_lateral3.weight"].clone();
        var loaded = BackboneWeights.Load(fpn, WeightFixtures.Path("torchvision_resnet18_narrow.pth"));
        Assert.Equal("ResNet", loaded.Target);
        Assert.True(loaded.Report.IsExact);
        Assert.DoesNotContain(loaded.Report.Loaded, k => k.StartsWith("fpn_", StringComparison.Ordinal));
        Assert.True(fpn.state_dict()["fpn_lateral3.weight"].equal(lateral).all().item<bool>());
        var file = WeightLoader.ReadStateDict(WeightFixtures.Path("torchvision_resnet18_narrow.pth"));
        try { Assert.True(WeightFixtures.SameValues(fpn.state_dict()["bottom_up.res2.1.conv2.weight"], file["layer1.1.conv2.weight"])); }
        finally { WeightFixtures.DisposeAll(file.Values); }
    }

    [Fact]
    public void Detectron2ConvertedPickleLoadsLikeTheTorchvisionFile()
    {
        var io = WeightFixtures.Read("torchvision_narrow_io.safetensors");
        using var model = WeightFixtures.TorchvisionR18();
        try
        {
            var loaded = BackboneWeights.Load(model, WeightFixtures.Path("torchvision_resnet18_narrow_d2.pkl"));
            Assert.Equal(ResNetKeyNaming.Detectron, loaded.Naming);
            Assert.Same(PretrainedConvention.Torchvision, loaded.Convention);   // from the file's __author__
            Assert.True(loaded.Report.IsExact);
            Assert.Contains("stem.fc.weight", loaded.Report.Ignored);
            WeightFixtures.AssertFeatures(model, io["input"], io, "r18.");
        }
        finally { WeightFixtures.DisposeAll(io.Values); }
    }

    [Fact]
    public void ADeeperModelFailsStrictlyNamingTheMissingBlocksAndLoadsTheRestWhenNotStrict()
    {
        var path = WeightFixtures.Path("torchvision_resnet18_narrow.pth");
        using var strictModel = WeightFixtures.TorchvisionR18(depth: 34);
        using var before = strictModel.state_dict()["res2.0.conv1.weight"].clone();
        var e = Assert.Throws<WeightLoadException>(() => BackboneWeights.Load(strictModel, path, hint: "set x_strict: false"));
        Assert.Contains(path, e.Message);
        Assert.Contains("set x_strict: false", e.Message);
        Assert.Contains("missing keys (in the model, not in the file)", e.Message);
        Assert.Contains("res2.2.conv1.weight", e.Message);
        Assert.Contains("res4.5.conv2.norm.running_var", e.Report.Missing);
        Assert.Empty(e.Report.Unexpected);
        Assert.True(strictModel.state_dict()["res2.0.conv1.weight"].equal(before).all().item<bool>(), "a failed strict load copies nothing");

        using var lenient = WeightFixtures.TorchvisionR18(depth: 34);
        var loaded = BackboneWeights.Load(lenient, path, strict: false);
        Assert.False(loaded.Report.IsExact);
        Assert.NotEmpty(loaded.Report.Warnings);
        Assert.Contains("res3.1.conv1.weight", loaded.Report.Loaded);
        Assert.Contains("res3.3.conv1.weight", loaded.Report.Missing);
    }

    [Fact]
    public void ConventionDifferencesNameFormatMeanAndStd()
    {
        var tv = PretrainedConvention.Torchvision;
        Assert.Empty(tv.InputDifferences(ChannelOrder.Rgb, new[] { 123.675, 116.28, 103.53 }, new[] { 58.395, 57.12, 57.375 }));
        var quickstart = tv.InputDifferences(ChannelOrder.Bgr, new[] { 127.5, 127.5, 127.5 }, new[] { 64.0, 64.0, 64.0 });
        Assert.Equal(3, quickstart.Count);
        Assert.Contains("channel order BGR (the weights expect RGB)", quickstart[0]);
        Assert.Contains("pixel_mean [127.5, 127.5, 127.5] (expected [123.675, 116.28, 103.53])", quickstart[1]);
        Assert.Contains("pixel_std [64, 64, 64] (expected [58.395, 57.12, 57.375])", quickstart[2]);
        var msra = PretrainedConvention.Msra;
        Assert.Empty(msra.InputDifferences(ChannelOrder.Bgr, new[] { 103.53, 116.28, 123.675 }, new[] { 1.0, 1.0, 1.0 }));
        Assert.Equal(new[] { "pixel_std [58.395, 57.12, 57.375] (expected [1, 1, 1])" },
            msra.InputDifferences(ChannelOrder.Bgr, new[] { 103.53, 116.28, 123.675 }, new[] { 58.395, 57.12, 57.375 }));
    }
}
