using System.Text.Json;
using Research.Core.Modeling.Backbone;
using Research.Core.Modeling.Weights;
using Research.Core.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Tests.Modeling.Backbone;

/// <summary>
/// Paths and helpers for the committed fixtures of Fixtures/backbone (made by generate_backbone_fixtures.py
/// from the official cvpods code).
/// </summary>
internal static class BackboneFixtures
{
    public static string Path(string name)
    {
        TorchRuntime.EnsureLoaded();
        return System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", "backbone", name);
    }

    /// <summary>The narrow R-50 FPN of the fixtures: stem 8, res2 8, width per group 2, FPN 16, DeFCN defaults otherwise.</summary>
    public static Fpn NarrowR50(int topLevels = 2) =>
        ResNetFpnBuilder.Build(depth: 50, stemOutChannels: 8, res2OutChannels: 8, widthPerGroup: 2, outChannels: 16, topLevels: topLevels);

    /// <summary>The narrow R-18 FPN of the fixtures: stem = res2 = 4, FPN 8.</summary>
    public static Fpn NarrowR18() =>
        ResNetFpnBuilder.Build(depth: 18, stemOutChannels: 4, res2OutChannels: 4, outChannels: 8);

    /// <summary>{variant: (keys → shape, trainable parameter names)} of the full-width official models.</summary>
    public static Dictionary<string, (Dictionary<string, long[]> Keys, HashSet<string> Trainable)> OfficialKeys()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path("official_keys.json")));
        var result = new Dictionary<string, (Dictionary<string, long[]>, HashSet<string>)>();
        foreach (var variant in doc.RootElement.EnumerateObject())
        {
            var keys = variant.Value.GetProperty("keys").EnumerateObject()
                .ToDictionary(k => k.Name, k => k.Value.EnumerateArray().Select(e => e.GetInt64()).ToArray());
            var trainable = variant.Value.GetProperty("trainable").EnumerateArray().Select(e => e.GetString()!).ToHashSet();
            result[variant.Name] = (keys, trainable);
        }
        return result;
    }

    /// <summary>
    /// Largest |actual − expected| relative to the largest |expected| of the tensor; the parity criterion is
    /// that this stays within 1e-5 (float32).
    /// </summary>
    public static double ScaledMaxError(Tensor actual, Tensor expected)
    {
        Xunit.Assert.Equal(expected.shape, actual.shape);
        using var scope = NewDisposeScope();
        var scale = Math.Max(expected.abs().max().item<float>(), 1e-12f);
        return (actual - expected).abs().max().item<float>() / scale;
    }

    public static Dictionary<string, Tensor> Read(string name) => SafetensorsFormat.Read(Path(name));

    public static void DisposeAll(IEnumerable<Tensor> tensors)
    {
        foreach (var t in tensors) t.Dispose();
    }
}
