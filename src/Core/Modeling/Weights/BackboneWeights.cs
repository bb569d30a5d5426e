using Research.Core.Modeling.Backbone;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Modeling.Weights;

/// <summary>
/// Initialises a ResNet (+ FPN) backbone from a weight file of any of the naming schemes real files use
/// (<see cref="ResNetKeyNaming"/>): torchvision state dicts, the MSRA / Detectron Caffe2 <c>.pkl</c> files, detectron2
/// model-zoo pickles, and cvpods names (ours) — a bare ResNet, a ResNet + FPN (<c>bottom_up.*</c>, <c>fpn_*</c>), or a
/// whole detector (<c>backbone.*</c>; its <c>head.*</c> keys are ignored). A bare ResNet file feeds the ResNet only, so
/// the FPN (which ImageNet weights never have) is not reported missing. The ImageNet classifier, Caffe2 solver state
/// and FrozenBN-less <c>num_batches_tracked</c> counters are ignored and reported; Caffe2 AffineChannel files carry no
/// running statistics, which then keep FrozenBN's identity values (as cvpods loads them).
/// </summary>
public static class BackboneWeights
{
    private const string ClassifierPrefix = "fc.";
    private const string Detectron2ClassifierPrefix = "stem.fc.";   // convert-torchvision-to-d2.py prefixes fc with stem.

    /// <summary>
    /// Loads <paramref name="path"/> into <paramref name="backbone"/> (an <see cref="Fpn"/> on a <see cref="ResNet"/>, or a
    /// <see cref="ResNet"/>). Strict: any missing, unexpected or mis-shaped key throws one <see cref="WeightLoadException"/>
    /// listing them all, and nothing is copied; not strict: what matches is copied and the report lists the rest. A file
    /// of which nothing matches always throws. <paramref name="hint"/> replaces the exception's advice line.
    /// </summary>
    public static BackboneWeightsReport Load(nn.Module backbone, string path, bool strict = true, string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        var (fpn, resnet) = backbone switch
        {
            Fpn f => (f, f.BottomUp as ResNet ?? throw new ArgumentException($"the FPN's bottom-up network is a {f.BottomUp.GetType().Name}, not a ResNet", nameof(backbone))),
            ResNet r => ((Fpn?)null, r),
            _ => throw new ArgumentException($"backbone weights load into an Fpn or a ResNet, not a {backbone.GetType().Name}", nameof(backbone)),
        };
        using var file = WeightFile.Read(path);
        var tensors = file.WithoutDataParallelPrefix();
        var keys = tensors.Keys.ToList();
        var naming = TorchvisionResNetNames.Matches(keys) ? ResNetKeyNaming.Torchvision
            : Caffe2ResNetNames.Matches(keys) ? ResNetKeyNaming.Caffe2
            : ResNetKeyNaming.Detectron;

        var mapped = new Dictionary<string, Tensor>();
        var ignored = new List<string>(file.Dropped);
        var kept = new List<string>();
        nn.Module target = resnet;
        var sourcePrefix = "";
        switch (naming)
        {
            case ResNetKeyNaming.Torchvision:
            case ResNetKeyNaming.Caffe2:
                foreach (var (key, t) in tensors)
                {
                    var ours = naming == ResNetKeyNaming.Torchvision ? TorchvisionResNetNames.ToOurs(key) : Caffe2ResNetNames.ToOurs(key);
                    if (ours is null) ignored.Add(key);
                    else mapped[ours] = t;
                }
                if (naming == ResNetKeyNaming.Caffe2) kept.AddRange(AbsentRunningStatistics(mapped));
                break;
            default:
                var prefix = keys.Any(k => k.StartsWith("backbone.", StringComparison.Ordinal)) ? "backbone."
                    : keys.Any(k => k.StartsWith("bottom_up.", StringComparison.Ordinal)) ? "" : null;
                if (prefix is not null)
                {
                    // A ResNet + FPN file (a whole detector's backbone.*): into the FPN, or its bottom-up part into a bare ResNet.
                    if (fpn is not null) { target = fpn; sourcePrefix = prefix; }
                    else sourcePrefix = prefix + "bottom_up.";
                }
                foreach (var (key, t) in tensors)
                {
                    if (key.StartsWith(Detectron2ClassifierPrefix, StringComparison.Ordinal) || key.StartsWith(ClassifierPrefix, StringComparison.Ordinal))
                        ignored.Add(key);
                    else mapped[key] = t;
                }
                break;
        }

        var report = WeightLoader.LoadStateDict(target, mapped, path, strict, sourcePrefix, optionalKeys: kept, hint: hint);
        report = report with { Ignored = ignored.Concat(report.Ignored).Distinct().OrderBy(k => k, StringComparer.Ordinal).ToList() };
        var convention = naming switch
        {
            ResNetKeyNaming.Torchvision => PretrainedConvention.Torchvision,
            ResNetKeyNaming.Caffe2 => PretrainedConvention.Msra,
            _ when string.Equals(file.Author, "torchvision", StringComparison.Ordinal) => PretrainedConvention.Torchvision,
            _ => null,
        };
        return new BackboneWeightsReport(report, naming, ReferenceEquals(target, resnet) ? "ResNet" : "ResNet + FPN", convention);
    }

    // Caffe2 AffineChannel layers have only scale and bias (s, b): the BN statistics were folded into them. cvpods keeps
    // the model's FrozenBN running_mean 0 / running_var 1 − eps, so x · s + b comes out exactly.
    private static IEnumerable<string> AbsentRunningStatistics(Dictionary<string, Tensor> mapped)
    {
        foreach (var key in mapped.Keys.Where(k => k.EndsWith(".norm.weight", StringComparison.Ordinal)).ToList())
        {
            var layer = key[..^"weight".Length];
            if (!mapped.ContainsKey(layer + "running_mean")) yield return layer + "running_mean";
            if (!mapped.ContainsKey(layer + "running_var")) yield return layer + "running_var";
        }
    }
}
