using System.Globalization;
using System.Text.RegularExpressions;

namespace Research.Core.Modeling.Weights;

/// <summary>
/// torchvision's ResNet state-dict keys (<c>conv1</c>, <c>bn1</c>, <c>layer1.0.conv1</c>, <c>layer1.0.bn1</c>,
/// <c>layer1.0.downsample.0/1</c>, <c>fc</c>) as our ResNet's (<c>stem.conv1</c>, <c>stem.conv1.norm</c>,
/// <c>res2.0.conv1</c>, <c>res2.0.conv1.norm</c>, <c>res2.0.shortcut</c>, <c>res2.0.shortcut.norm</c>): the renaming
/// of detectron2's tools/convert-torchvision-to-d2.py (layerN → res(N+1), bnK → convK.norm, downsample.0 → shortcut,
/// downsample.1 → shortcut.norm). Batch-norm weight, bias, running_mean, running_var and num_batches_tracked keep their
/// names, so BatchNorm statistics land in FrozenBN's buffers of the same names.
/// </summary>
public static partial class TorchvisionResNetNames
{
    /// <summary>True when the keys look like a torchvision ResNet state dict (<c>conv1.weight</c> and <c>layer1.*</c>).</summary>
    public static bool Matches(IEnumerable<string> keys)
    {
        var list = keys as IReadOnlyCollection<string> ?? keys.ToList();
        return list.Contains("conv1.weight") && list.Any(k => k.StartsWith("layer1.", StringComparison.Ordinal));
    }

    /// <summary>
    /// Our name for a torchvision key; null for the ImageNet classifier (<c>fc.weight</c>, <c>fc.bias</c>), which the
    /// detector has no place for. Keys of no known pattern come back unchanged (and then show as unexpected).
    /// </summary>
    public static string? ToOurs(string key)
    {
        if (key.StartsWith("fc.", StringComparison.Ordinal)) return null;
        if (key.StartsWith("conv1.", StringComparison.Ordinal)) return "stem." + key;
        if (key.StartsWith("bn1.", StringComparison.Ordinal)) return "stem.conv1.norm." + key["bn1.".Length..];
        var m = BlockKey().Match(key);
        if (!m.Success) return key;
        var stage = int.Parse(m.Groups["layer"].Value, CultureInfo.InvariantCulture) + 1;
        var rest = m.Groups["rest"].Value;
        rest = BatchNorm().Replace(rest, "conv${k}.norm.");
        rest = rest.StartsWith("downsample.0.", StringComparison.Ordinal) ? "shortcut." + rest["downsample.0.".Length..]
             : rest.StartsWith("downsample.1.", StringComparison.Ordinal) ? "shortcut.norm." + rest["downsample.1.".Length..]
             : rest;
        return $"res{stage}.{m.Groups["block"].Value}.{rest}";
    }

    [GeneratedRegex(@"^layer(?<layer>[1-4])\.(?<block>\d+)\.(?<rest>.+)$")]
    private static partial Regex BlockKey();

    [GeneratedRegex(@"^bn(?<k>[1-3])\.")]
    private static partial Regex BatchNorm();
}
