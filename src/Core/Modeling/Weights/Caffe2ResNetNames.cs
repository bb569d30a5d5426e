using System.Text.RegularExpressions;

namespace Research.Core.Modeling.Weights;

/// <summary>
/// The Caffe2 / Detectron blob names of the MSRA ResNet files (<c>conv1_w</c>, <c>res_conv1_bn_s</c>,
/// <c>res2_0_branch2a_w</c>, <c>res2_0_branch2a_bn_s</c>, <c>res2_0_branch1_w</c>, …, <c>fc1000_w</c>) as our ResNet's
/// keys: the port of the backbone part of cvpods' <c>convert_basic_c2_names</c> (checkpoint/c2_model_loading.py
/// l.19-71, the same as detectron2's), applied in the same order. AffineChannel scale / bias (<c>_bn_s</c>, <c>_bn_b</c>)
/// become <c>norm.weight</c> / <c>norm.bias</c>; <c>_bn_rm</c> / <c>_bn_riv</c>, when a file has them, become
/// <c>norm.running_mean</c> / <c>norm.running_var</c> (riv holds the variance: cvpods maps it to running_var).
/// </summary>
public static partial class Caffe2ResNetNames
{
    /// <summary>True when the keys look like Caffe2 blobs (<c>conv1_w</c>, or <c>res{s}_{i}_branch…</c> names).</summary>
    public static bool Matches(IEnumerable<string> keys) =>
        keys.Any(k => k == "conv1_w" || k == "res_conv1_bn_s" || BlockBlob().IsMatch(k));

    /// <summary>
    /// Our name for a blob; null for the ImageNet classifier (<c>fc1000_w</c>, <c>fc1000_b</c>; <c>pred_w</c> /
    /// <c>pred_b</c> of other MSRA models). Blobs of no known pattern come out renamed by the generic rules.
    /// </summary>
    public static string? ToOurs(string blob)
    {
        var k = blob switch { "pred_b" => "linear_b", "pred_w" => "linear_w", _ => blob };
        k = k.Replace('_', '.');
        k = Regex.Replace(k, @"\.b$", ".bias");
        k = Regex.Replace(k, @"\.w$", ".weight");
        // Both BN and GN names become "norm".
        k = Regex.Replace(k, @"bn\.s$", "norm.weight");
        k = Regex.Replace(k, @"bn\.bias$", "norm.bias");
        k = Regex.Replace(k, @"bn\.rm", "norm.running_mean");
        k = Regex.Replace(k, @"bn\.running\.mean$", "norm.running_mean");
        k = Regex.Replace(k, @"bn\.riv$", "norm.running_var");
        k = Regex.Replace(k, @"bn\.running\.var$", "norm.running_var");
        k = Regex.Replace(k, @"bn\.gamma$", "norm.weight");
        k = Regex.Replace(k, @"bn\.beta$", "norm.bias");
        k = Regex.Replace(k, @"gn\.s$", "norm.weight");
        k = Regex.Replace(k, @"gn\.bias$", "norm.bias");
        // The stem.
        k = Regex.Replace(k, @"^res\.conv1\.norm\.", "conv1.norm.");
        k = Regex.Replace(k, @"^conv1\.", "stem.conv1.");
        // Blocks.
        k = k.Replace(".branch1.", ".shortcut.").Replace(".branch2a.", ".conv1.").Replace(".branch2b.", ".conv2.").Replace(".branch2c.", ".conv3.");
        return k.StartsWith("fc1000.", StringComparison.Ordinal) || k.StartsWith("linear.", StringComparison.Ordinal) ? null : k;
    }

    [GeneratedRegex(@"^res\d_\d+_branch")]
    private static partial Regex BlockBlob();
}
