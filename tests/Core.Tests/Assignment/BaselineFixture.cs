using System.Text.Json;
using Research.Core.Data;
using Research.Core.Dense;
using Research.Core.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Tests.Assignment;

/// <summary>
/// One parity case of the baselines written by Fixtures/assignment/generate_baseline_fixtures.py from the official
/// code (cvpods FCOS, DeFCN's fcos...wo_ctrness, atss...crowdhuman and anchor...3x_ms): per-level head outputs, GTs,
/// the official targets, losses, input gradients and per-image detections.
/// </summary>
internal sealed class BaselineFixture : IDisposable
{
    private readonly Dictionary<string, Tensor> _t;

    public BaselineFixture(string name)
    {
        TorchRuntime.EnsureLoaded();
        var dir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "assignment");
        _t = TorchSharp.PyBridge.Safetensors.LoadStateDict(Path.Combine(dir, name + ".safetensors"));
        Meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, name + ".json"))).RootElement;
        Name = name;
        Rule = Meta.GetProperty("rule").GetString()!;
        K = Meta.GetProperty("num_classes").GetInt32();
        Strides = Meta.GetProperty("strides").EnumerateArray().Select(x => x.GetInt32()).ToArray();
        Sizes = Meta.GetProperty("sizes").EnumerateArray().Select(s => (s[0].GetInt32(), s[1].GetInt32())).ToArray();
        ImageSizes = Meta.GetProperty("image_sizes").EnumerateArray().Select(s => (s[0].GetInt32(), s[1].GetInt32())).ToArray();
        int n = Meta.GetProperty("num_images").GetInt32();
        int L = Strides.Length;
        Logits = Enumerable.Range(0, L).Select(l => _t[$"cls_{l}"]).ToArray();
        BboxReg = Enumerable.Range(0, L).Select(l => _t[$"reg_{l}"]).ToArray();
        Centerness = _t.ContainsKey("ctr_0") ? Enumerable.Range(0, L).Select(l => _t[$"ctr_{l}"]).ToArray() : null;
        Shifts = new ShiftGenerator(Strides, 0.5).GridShifts(Sizes.Select(s => ((long)s.Item1, (long)s.Item2)).ToArray());
        for (int l = 0; l < L; l++)
            if (!Shifts[l].equal(_t[$"shifts_{l}"]).all().item<bool>()) throw new InvalidOperationException($"{name}: our shifts differ from the fixture's on level {l}");
        Targets = Enumerable.Range(0, n).Select(i => new DetectionTarget(_t[$"gt_boxes_{i}"].alias(), _t[$"gt_classes_{i}"].alias())).ToArray();
    }

    public string Name { get; }
    public string Rule { get; }
    public JsonElement Meta { get; }
    public int K { get; }
    public int[] Strides { get; }
    public (int, int)[] Sizes { get; }
    public (int Height, int Width)[] ImageSizes { get; }
    public Tensor[] Logits { get; }
    public Tensor[] BboxReg { get; }
    public Tensor[]? Centerness { get; }
    public Tensor[] Shifts { get; }
    public DetectionTarget[] Targets { get; }
    public Tensor this[string key] => _t[key];
    public int NumImages => Targets.Length;

    /// <summary>The size ranges of the fixture ("inf" written as a string).</summary>
    public (double Low, double High)[] SizeRanges() =>
        Meta.GetProperty("object_sizes_of_interest").EnumerateArray()
            .Select(r => (Bound(r[0]), Bound(r[1]))).ToArray();

    private static double Bound(JsonElement e) =>
        e.ValueKind == JsonValueKind.String && e.GetString() == "inf" ? double.PositiveInfinity : e.GetDouble();

    /// <summary>Flattened predictions of (copies of) the fixture's head outputs; gradients reach <paramref name="leaves"/>.</summary>
    public DensePredictions Predictions(out Tensor[] leaves)
    {
        var cls = Logits.Select(t => t.clone().requires_grad_(true)).ToArray();
        var reg = BboxReg.Select(t => t.clone().requires_grad_(true)).ToArray();
        var ctr = Centerness?.Select(t => t.clone().requires_grad_(true)).ToArray();
        leaves = cls.Concat(reg).Concat(ctr ?? Array.Empty<Tensor>()).ToArray();
        var outputs = new HeadOutputs(cls, reg, null, ctr);   // not disposed: the leaves are the caller's
        return DensePredictions.From(outputs, Shifts);
    }

    public void Dispose()
    {
        foreach (var t in _t.Values) t.Dispose();
        foreach (var t in Shifts) t.Dispose();
        foreach (var t in Targets) t.Dispose();
    }
}
