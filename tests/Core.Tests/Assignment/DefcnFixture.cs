using Research.Core.Dense;
using System.Text.Json;
using Research.Core.Data;
using Research.Core.Modeling;
using Research.Core.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Tests.Assignment;

/// <summary>
/// One parity case written by Fixtures/assignment/generate_defcn_fixtures.py from the official DeFCN
/// code: per-level head outputs, GTs, and the official targets, matches and losses.
/// </summary>
internal sealed class DefcnFixture : IDisposable
{
    public static readonly string[] Names = { "defcn_case1", "defcn_case2", "defcn_case3", "defcn_case4_nofilter", "defcn_case5_alpha0" };

    private readonly Dictionary<string, Tensor> _t;

    public DefcnFixture(string name)
    {
        TorchRuntime.EnsureLoaded();
        var dir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "assignment");
        _t = TorchSharp.PyBridge.Safetensors.LoadStateDict(Path.Combine(dir, name + ".safetensors"));
        Meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, name + ".json"))).RootElement;
        K = Meta.GetProperty("num_classes").GetInt32();
        Strides = Meta.GetProperty("strides").EnumerateArray().Select(x => x.GetInt32()).ToArray();
        Sizes = Meta.GetProperty("sizes").EnumerateArray().Select(s => (s[0].GetInt32(), s[1].GetInt32())).ToArray();
        Alpha = Meta.GetProperty("alpha").GetDouble();
        Radius = Meta.GetProperty("center_sampling_radius").GetDouble();
        TopK = Meta.GetProperty("aux_topk").GetInt32();
        HasFilter = Meta.GetProperty("filter").GetBoolean();
        int n = Meta.GetProperty("num_images").GetInt32();
        int L = Strides.Length;
        Logits = Enumerable.Range(0, L).Select(l => _t[$"cls_{l}"]).ToArray();
        BboxReg = Enumerable.Range(0, L).Select(l => _t[$"reg_{l}"]).ToArray();
        Filter = HasFilter ? Enumerable.Range(0, L).Select(l => _t[$"filter_{l}"]).ToArray() : null;
        var gen = new ShiftGenerator(Strides, 0.5);
        Shifts = gen.GridShifts(Sizes.Select(s => ((long)s.Item1, (long)s.Item2)).ToArray());
        for (int l = 0; l < L; l++)
            if (!Shifts[l].equal(_t[$"shifts_{l}"]).all().item<bool>()) throw new InvalidOperationException($"{name}: our shifts differ from the fixture's on level {l}");
        Targets = Enumerable.Range(0, n).Select(i => new DetectionTarget(_t[$"gt_boxes_{i}"].alias(), _t[$"gt_classes_{i}"].alias())).ToArray();
    }

    public JsonElement Meta { get; }
    public int K { get; }
    public int[] Strides { get; }
    public (int, int)[] Sizes { get; }
    public double Alpha { get; }
    public double Radius { get; }
    public int TopK { get; }
    public bool HasFilter { get; }
    public Tensor[] Logits { get; }
    public Tensor[] BboxReg { get; }
    public Tensor[]? Filter { get; }
    public Tensor[] Shifts { get; }
    public DetectionTarget[] Targets { get; }
    public Tensor this[string key] => _t[key];
    public bool Has(string key) => _t.ContainsKey(key);

    public Tensor Cls => HeadFlattening.FlattenAndConcat(Logits, K);
    public Tensor Reg => HeadFlattening.FlattenAndConcat(BboxReg, 4);
    public Tensor? Fil => Filter is null ? null : HeadFlattening.FlattenAndConcat(Filter, 1);
    public Tensor AllShifts => cat(Shifts, 0);

    /// <summary>Every official loss within 1e-5 of its value, and num_fg_per_gt exactly.</summary>
    public void AssertLossesMatch(Research.Core.Losses.DetectorLosses output)
    {
        foreach (var p in Meta.GetProperty("losses").EnumerateObject())
        {
            double ours = output.Losses[p.Name].item<float>(), theirs = p.Value.GetDouble();
            Xunit.Assert.True(Math.Abs(ours - theirs) <= 1e-5 * Math.Abs(theirs), $"{Meta.GetProperty("name").GetString()} {p.Name}: ours {ours:R} official {theirs:R}");
        }
        Xunit.Assert.Equal(Meta.GetProperty("scalars").GetProperty("num_fg_per_gt").GetDouble(), output.Diagnostics["num_fg_per_gt"], 12);
    }

    /// <summary>
    /// Flattened predictions of copies of the fixture's head outputs that require grad; gradients reach
    /// <paramref name="leaves"/> (cls_0 … cls_{L−1}, then reg_0 … reg_{L−1}). No filter branch.
    /// </summary>
    public DensePredictions Predictions(out Tensor[] leaves)
    {
        var cls = Logits.Select(t => t.clone().requires_grad_(true)).ToArray();
        var reg = BboxReg.Select(t => t.clone().requires_grad_(true)).ToArray();
        leaves = cls.Concat(reg).ToArray();
        var outputs = new HeadOutputs(cls, reg, null);   // not disposed: the leaves are the caller's
        return DensePredictions.From(outputs, Shifts);
    }

    /// <summary>
    /// The losses have exactly the official keys, and after <c>Total().backward()</c> each leaf's gradient is within
    /// 1e-5 × the largest |official gradient| of that tensor (grad_cls_l, grad_reg_l: gradients of the sum of the
    /// official losses). Returns the largest error / scale ratio over the tensors (0 when all are exact).
    /// </summary>
    public double AssertGradientsMatch(Research.Core.Losses.DetectorLosses losses, Tensor[] leaves)
    {
        var name = Meta.GetProperty("name").GetString();
        var official = Meta.GetProperty("losses").EnumerateObject().Select(p => p.Name).OrderBy(x => x, StringComparer.Ordinal);
        Xunit.Assert.Equal(official, losses.Losses.Keys.OrderBy(x => x, StringComparer.Ordinal));
        losses.Total().backward();
        int L = Strides.Length;
        var names = Enumerable.Range(0, L).Select(l => $"grad_cls_{l}").Concat(Enumerable.Range(0, L).Select(l => $"grad_reg_{l}")).ToArray();
        Xunit.Assert.Equal(names.Length, leaves.Length);
        double worst = 0;
        for (var i = 0; i < names.Length; i++)
        {
            var expected = _t[names[i]];
            var grad = leaves[i].grad;
            Xunit.Assert.NotNull(grad);
            Xunit.Assert.Equal(expected.shape, grad!.shape);
            var scale = Math.Max(expected.abs().max().item<float>(), 1e-12f);
            var error = (grad - expected).abs().max().item<float>();
            worst = Math.Max(worst, error / scale);
            Xunit.Assert.True(error <= 1e-5 * scale, $"{name} {names[i]}: gradient differs by {error:G3} (scale {scale:G3})");
        }
        return worst;
    }

    public void Dispose()
    {
        foreach (var t in _t.Values) t.Dispose();
        foreach (var t in Shifts) t.Dispose();
        foreach (var t in Targets) t.Dispose();
    }
}
