using Research.Core.Modeling.Backbone;
using Research.Core.Modeling.Weights;
using Research.Core.Runtime;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Modeling.Weights;

/// <summary>
/// The committed weight-import fixtures of Fixtures/weights (made by the generate_*.py scripts there from torchvision,
/// numpy and the official cvpods code) and the narrow networks they fit.
/// </summary>
internal static class WeightFixtures
{
    public static string Path(string name)
    {
        TorchRuntime.EnsureLoaded();
        var path = System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", "weights", name);
        Assert.True(File.Exists(path), $"fixture missing: {path}");
        return path;
    }

    public static Dictionary<string, Tensor> Read(string name) => SafetensorsFormat.Read(Path(name));

    /// <summary>torchvision ResNet-18 at 1/16 width (torchvision_resnet18_narrow.pth): stem 4, res2 4 … res5 32.</summary>
    public static ResNet TorchvisionR18(string norm = Norm.FrozenBN, int depth = 18) =>
        new(depth, norm, freezeAt: 0, strideInOneByOne: false, stemOutChannels: 4, res2OutChannels: 4);

    /// <summary>torchvision ResNet-50 at 1/32 width (torchvision_resnet50_narrow.pth): stem 2, bottleneck 2, res2 out 8.</summary>
    public static ResNet TorchvisionR50(bool strideInOneByOne = false) =>
        new(50, Norm.FrozenBN, freezeAt: 0, strideInOneByOne: strideInOneByOne, stemOutChannels: 2, res2OutChannels: 8, widthPerGroup: 2);

    /// <summary>The MSRA ResNet-50 of c2_r50_narrow.pkl: the same widths, stride in the first 1×1 conv.</summary>
    public static ResNet Caffe2R50() => TorchvisionR50(strideInOneByOne: true);

    /// <summary>Eval-mode res3..res5 of <paramref name="model"/> on <paramref name="input"/>, compared with the fixture's.</summary>
    public static void AssertFeatures(ResNet model, Tensor input, IReadOnlyDictionary<string, Tensor> expected, string prefix)
    {
        model.eval();
        using var scope = NewDisposeScope();
        using var guard = no_grad();
        var outputs = model.call(input);
        for (var i = 0; i < 3; i++)
        {
            var name = $"res{i + 3}";
            Head.HeadFixtures.AssertClose(expected[prefix + name], outputs[i], name, rel: 1e-4);
        }
    }

    /// <summary>True when the two tensors hold the same values (after converting <paramref name="b"/> to <paramref name="a"/>'s shape).</summary>
    public static bool SameValues(Tensor a, Tensor b)
    {
        using var reshaped = b.reshape(a.shape);
        return a.equal(reshaped).all().item<bool>();
    }

    public static void DisposeAll(IEnumerable<Tensor> tensors)
    {
        foreach (var t in tensors) t.Dispose();
    }
}
