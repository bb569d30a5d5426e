using Research.Core.Modeling.Backbone;
using Research.Core.Modeling.Weights;
using Research.Core.Runtime;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Modeling.Weights;

/// <summary>Save/load round trips in both formats, and the loader's reports and errors.</summary>
public sealed class WeightLoaderTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "research-weights-" + Guid.NewGuid().ToString("N"));

    public WeightLoaderTests()
    {
        TorchRuntime.EnsureLoaded();
        Directory.CreateDirectory(_dir);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Fpn Small(int seed, string norm = Norm.FrozenBN)
    {
        manual_seed(seed);
        return ResNetFpnBuilder.Build(depth: 18, norm: norm, stemOutChannels: 4, res2OutChannels: 4, outChannels: 8);
    }

    private static void RandomiseBuffers(nn.Module m, int seed)
    {
        manual_seed(seed);
        using var guard = no_grad();
        foreach (var (name, b) in m.named_buffers())
            if (b.is_floating_point()) b.copy_(rand_like(b) + 0.5);
            else b.fill_(seed);   // num_batches_tracked
    }

    [Theory]
    [InlineData("model.safetensors", Norm.FrozenBN)]
    [InlineData("model.pth", Norm.FrozenBN)]
    [InlineData("model.safetensors", Norm.BN)]
    [InlineData("model.pth", Norm.BN)]
    public void SaveThenLoadGivesIdenticalStateAndOutputs(string fileName, string norm)
    {
        var path = Path.Combine(_dir, fileName);
        using var source = Small(1, norm);
        RandomiseBuffers(source, 7);
        WeightLoader.Save(source, path);
        using var target = Small(2, norm);
        var report = WeightLoader.Load(target, path);
        Assert.True(report.IsExact);
        Assert.Equal(source.state_dict().Count, report.Loaded.Count);

        var expected = source.state_dict();
        foreach (var (key, t) in target.state_dict())
        {
            Assert.Equal(expected[key].shape, t.shape);
            Assert.Equal(expected[key].dtype, t.dtype);
            Assert.True(t.equal(expected[key]).all().all().item<bool>(), key);
        }
        source.eval();
        target.eval();
        using var guard = no_grad();
        using var x = randn(1, 3, 64, 64);
        var a = source.call(x);
        var b = target.call(x);
        for (var l = 0; l < a.Length; l++) Assert.True(a[l].equal(b[l]).all().all().item<bool>(), $"level {l}");
        foreach (var t in a.Concat(b)) t.Dispose();
    }

    [Fact]
    public void PrefixesMapKeysBothWays()
    {
        using var source = Small(1);
        var path = Path.Combine(_dir, "detector.safetensors");
        WeightLoader.Save(source, path, keyPrefix: "backbone.");
        var stored = WeightLoader.ReadStateDict(path);
        Assert.Contains("backbone.bottom_up.stem.conv1.weight", stored.Keys);
        foreach (var t in stored.Values) t.Dispose();

        using var target = Small(2);
        Assert.True(WeightLoader.Load(target, path, sourcePrefix: "backbone.").IsExact);
        Assert.True(target.state_dict()["fpn_output4.weight"].equal(source.state_dict()["fpn_output4.weight"]).all().all().item<bool>());

        // The other way round: a bare backbone file feeding keys that carry a prefix in the model.
        var bare = Path.Combine(_dir, "bare.safetensors");
        WeightLoader.Save(source, bare);
        using var holder = new Holder(Small(3));
        Assert.True(WeightLoader.Load(holder, bare, targetPrefix: "backbone.").IsExact);
    }

    [Fact]
    public void KeysOutsideTheSourcePrefixAreIgnoredNotUnexpected()
    {
        using var source = Small(1);
        var sd = source.state_dict().ToDictionary(kv => "backbone." + kv.Key, kv => kv.Value);
        using var headWeight = zeros(3, 3);
        sd["head.cls_score.weight"] = headWeight;
        using var target = Small(2);
        var report = WeightLoader.LoadStateDict(target, sd, "in-memory", sourcePrefix: "backbone.");
        Assert.True(report.IsExact);
        Assert.Equal(new[] { "head.cls_score.weight" }, report.Ignored);
    }

    [Fact]
    public void StrictLoadNamesEveryMissingUnexpectedAndMisShapedKeyInOneErrorAndCopiesNothing()
    {
        using var source = Small(1);
        var sd = source.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value);
        sd.Remove("fpn_lateral4.weight");
        sd.Remove("bottom_up.res3.0.conv1.norm.running_var");
        using var extra = ones(2);
        sd["bottom_up.res6.0.conv1.weight"] = extra;
        using var wrong = ones(3);
        sd["fpn_output3.bias"] = wrong;
        var path = Path.Combine(_dir, "broken.safetensors");
        SafetensorsFormat.Write(path, sd);

        using var target = Small(2);
        using var before = target.state_dict()["fpn_output4.weight"].clone();
        var e = Assert.Throws<WeightLoadException>(() => WeightLoader.Load(target, path));
        Assert.Contains(path, e.Message);
        Assert.Contains("2 missing keys", e.Message);
        Assert.Contains("fpn_lateral4.weight", e.Message);
        Assert.Contains("bottom_up.res3.0.conv1.norm.running_var", e.Message);
        Assert.Contains("1 unexpected key", e.Message);
        Assert.Contains("bottom_up.res6.0.conv1.weight", e.Message);
        Assert.Contains("fpn_output3.bias: file [3] vs model [8]", e.Message);
        Assert.Equal(new[] { "bottom_up.res3.0.conv1.norm.running_var", "fpn_lateral4.weight" }, e.Report.Missing.OrderBy(k => k, StringComparer.Ordinal));
        Assert.True(target.state_dict()["fpn_output4.weight"].equal(before).all().all().item<bool>(), "a failed strict load must not copy anything");
    }

    [Fact]
    public void NonStrictLoadCopiesWhatMatchesAndReturnsNamedWarnings()
    {
        using var source = Small(1);
        var sd = source.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value);
        sd.Remove("top_block.p7.bias");
        using var wrong = ones(3);
        sd["fpn_output3.bias"] = wrong;
        using var target = Small(2);
        using var keptBias = target.state_dict()["fpn_output3.bias"].clone();
        var report = WeightLoader.LoadStateDict(target, sd, "partial", strict: false);

        Assert.False(report.IsExact);
        Assert.Equal(new[] { "top_block.p7.bias" }, report.Missing);
        Assert.Equal("fpn_output3.bias", Assert.Single(report.Mismatched).Key);
        Assert.Equal(2, report.Warnings.Count);
        Assert.Contains("1 missing key (in the model, not in the file): top_block.p7.bias", report.Warnings[0]);
        Assert.Contains("fpn_output3.bias: file [3] vs model [8]", report.Warnings[1]);
        var loaded = target.state_dict();
        Assert.True(loaded["fpn_output5.weight"].equal(source.state_dict()["fpn_output5.weight"]).all().all().item<bool>());
        Assert.True(loaded["fpn_output3.bias"].equal(keptBias).all().all().item<bool>());
    }

    [Fact]
    public void LoadingNothingFailsEvenWhenNotStrict()
    {
        using var model = Small(1);
        using var stray = zeros(3, 3);
        var sd = new Dictionary<string, Tensor> { ["head.cls_score.weight"] = stray };
        var e = Assert.Throws<WeightLoadException>(() => WeightLoader.LoadStateDict(model, sd, "stray.pth", strict: false));
        Assert.True(e.NothingMatched);
        Assert.Contains("no key of the file matches the model", e.Message);
        Assert.Contains("head.cls_score.weight", e.Message);
        Assert.Empty(e.Report.Loaded);
    }

    [Fact]
    public void BatchNormCountersNeverFailALoad()
    {
        // A BN model's file into a FrozenBN model: the counters are ignored; the other way round they are kept.
        using var bn = Small(1, Norm.BN);
        using var frozen = Small(2);
        var fromBn = WeightLoader.LoadStateDict(frozen, bn.state_dict(), "bn");
        Assert.True(fromBn.IsExact);
        Assert.NotEmpty(fromBn.Ignored);
        Assert.All(fromBn.Ignored, k => Assert.EndsWith(".num_batches_tracked", k));
        var fromFrozen = WeightLoader.LoadStateDict(bn, frozen.state_dict(), "frozen");
        Assert.True(fromFrozen.IsExact);
        Assert.Equal(fromBn.Ignored.Count, fromFrozen.Kept.Count);
        Assert.Contains("kept as built", fromFrozen.Summary);
    }

    [Fact]
    public void FilesThatAreNotWeightsFailWithTheirPath()
    {
        using var model = Small(1);
        var missing = Path.Combine(_dir, "nope.pth");
        Assert.Contains(missing, Assert.Throws<FileNotFoundException>(() => WeightLoader.Load(model, missing)).Message);

        var text = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(text, "not weights");
        Assert.Contains(text, Assert.Throws<InvalidDataException>(() => WeightLoader.Load(model, text)).Message);

        // A safetensors file cut short: the last tensor's bytes are gone.
        var good = Path.Combine(_dir, "good.safetensors");
        WeightLoader.Save(model, good);
        var bytes = File.ReadAllBytes(good);
        var cut = Path.Combine(_dir, "cut.safetensors");
        File.WriteAllBytes(cut, bytes[..^16]);
        var e = Assert.Throws<InvalidDataException>(() => WeightLoader.Load(model, cut));
        Assert.Contains(cut, e.Message);
        Assert.Contains("outside", e.Message);

        // A torch.save file whose 'model' entry is not a dict, and one without tensors.
        var noTensors = Path.Combine(_dir, "empty.pth");
        TorchPickleFormat.Write(noTensors, Array.Empty<KeyValuePair<string, Tensor>>());
        Assert.Contains("holds no tensors", Assert.Throws<InvalidDataException>(() => WeightLoader.Load(model, noTensors)).Message);
    }

    [Fact]
    public void CvpodsCheckpointReadsItsModelEntryOnly()
    {
        var sd = WeightLoader.ReadStateDict(Path.Combine(AppContext.BaseDirectory, "Fixtures", "backbone", "r50_fpn_checkpoint.pth"));
        try
        {
            Assert.All(sd.Keys, k => Assert.StartsWith("backbone.", k));
            using var model = Research.Core.Tests.Modeling.Backbone.BackboneFixtures.NarrowR50();
            Assert.Equal(model.state_dict().Count, sd.Count);
            Assert.Equal(new long[] { 8, 3, 7, 7 }, sd["backbone.bottom_up.stem.conv1.weight"].shape);
        }
        finally { foreach (var t in sd.Values) t.Dispose(); }
    }

    /// <summary>A module holding the backbone under "backbone", as the detector does.</summary>
    private sealed class Holder : nn.Module
    {
        private readonly Fpn backbone;

        public Holder(Fpn inner) : base(nameof(Holder))
        {
            backbone = inner;
            RegisterComponents();
        }
    }
}
