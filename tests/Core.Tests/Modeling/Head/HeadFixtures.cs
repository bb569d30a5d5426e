using Research.Core.Runtime;
using TorchSharp;
using TorchSharp.PyBridge;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Modeling.Head;

/// <summary>Loads the official-code fixtures of Fixtures/head (see generate_head_fixtures.py there).</summary>
internal static class HeadFixtures
{
    public const int Channels = 32;
    public const int NumClasses = 3;
    public const int NumConvs = 2;
    public static readonly int[] Strides = { 8, 16, 32, 64, 128 };
    public static readonly string[] Levels = { "p3", "p4", "p5", "p6", "p7" };

    public static Dictionary<string, Tensor> Load(string file)
    {
        TorchRuntime.EnsureLoaded();
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "head", file);
        Assert.True(File.Exists(path), $"fixture missing: {path}");
        return Safetensors.LoadStateDict(path, null);
    }

    /// <summary>Copies tensors whose keys start with <paramref name="prefix"/> into the module; every parameter must be covered and every key used.</summary>
    public static void LoadInto(nn.Module module, Dictionary<string, Tensor> tensors, string prefix)
    {
        var source = tensors.Where(kv => kv.Key.StartsWith(prefix)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
        var state = module.state_dict();
        Assert.Equal(source.Keys.OrderBy(k => k, StringComparer.Ordinal), state.Keys.OrderBy(k => k, StringComparer.Ordinal));
        using var _ = no_grad();
        foreach (var (key, target) in state)
        {
            Assert.Equal(source[key].shape, target.shape);
            target.copy_(source[key]);
        }
    }

    /// <summary>|a − b| ≤ 1e-5·max|b| + 1e-5·|b| elementwise (float32 tolerance relative to the tensor's scale).</summary>
    public static void AssertClose(Tensor expected, Tensor actual, string what, double rel = 1e-5)
    {
        Assert.Equal(expected.shape, actual.shape);
        var scale = Math.Max(expected.abs().max().item<float>(), 1e-6f);
        var diff = (expected - actual).abs();
        var bound = expected.abs() * rel + rel * scale;
        var worst = (diff - bound).max().item<float>();
        Assert.True(worst <= 0, $"{what}: max |diff| {diff.max().item<float>():G4} exceeds tolerance (scale {scale:G4})");
    }
}
