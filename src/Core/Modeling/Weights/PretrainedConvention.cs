using Research.Core.Data;
using System.Globalization;

namespace Research.Core.Modeling.Weights;

/// <summary>
/// What ImageNet weights expect of the network and its input: the channel order and pixel statistics they were
/// trained with (0-255 scale, in that channel order) and where a ResNet bottleneck has its stride. Loading weights
/// into a network or input pipeline of another convention works — the keys and shapes are the same — but computes
/// something the weights were never trained for.
/// </summary>
/// <param name="Name">Who publishes weights of this convention.</param>
/// <param name="Format">Channel order of the input images.</param>
/// <param name="PixelMean">Per-channel mean subtracted, in <paramref name="Format"/> order.</param>
/// <param name="PixelStd">Per-channel divisor, in <paramref name="Format"/> order.</param>
/// <param name="StrideInOneByOne">Bottleneck stride in the first 1×1 conv (MSRA) rather than the 3×3 conv (torchvision).</param>
public sealed record PretrainedConvention(string Name, ChannelOrder Format, IReadOnlyList<double> PixelMean,
    IReadOnlyList<double> PixelStd, bool StrideInOneByOne)
{
    /// <summary>
    /// torchvision: RGB scaled to [0, 1], then mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225) — on the 0-255
    /// scale this framework normalises in, mean [123.675, 116.28, 103.53] and std [58.395, 57.12, 57.375] (the values
    /// detectron2's convert-torchvision-to-d2.py tells its users to set); stride in the 3×3 conv.
    /// </summary>
    public static readonly PretrainedConvention Torchvision = new("torchvision", ChannelOrder.Rgb,
        new[] { 0.485 * 255, 0.456 * 255, 0.406 * 255 }, new[] { 0.229 * 255, 0.224 * 255, 0.225 * 255 }, StrideInOneByOne: false);

    /// <summary>
    /// MSRA / Caffe2 (the R-50.pkl of the official DeFCN and cvpods configs): BGR 0-255 minus mean
    /// [103.53, 116.28, 123.675], std 1 (cvpods base_config PIXEL_MEAN / PIXEL_STD); stride in the first 1×1 conv.
    /// </summary>
    public static readonly PretrainedConvention Msra = new("MSRA (Caffe2)", ChannelOrder.Bgr,
        new[] { 103.53, 116.28, 123.675 }, new[] { 1.0, 1.0, 1.0 }, StrideInOneByOne: true);

    /// <summary>Largest per-channel mean difference (0-255 scale) still taken as the same statistics.</summary>
    public const double MeanTolerance = 1.0;

    /// <summary>Largest relative std difference still taken as the same statistics.</summary>
    public const double StdRelativeTolerance = 0.02;

    /// <summary>
    /// How an input pipeline differs from this convention: one phrase per difference (channel order, mean, std),
    /// empty when it matches within <see cref="MeanTolerance"/> and <see cref="StdRelativeTolerance"/>.
    /// </summary>
    public IReadOnlyList<string> InputDifferences(ChannelOrder format, IReadOnlyList<double> pixelMean, IReadOnlyList<double> pixelStd)
    {
        var differences = new List<string>();
        if (format != Format) differences.Add($"channel order {Order(format)} (the weights expect {Order(Format)})");
        if (pixelMean.Count != PixelMean.Count || pixelMean.Zip(PixelMean).Any(p => Math.Abs(p.First - p.Second) > MeanTolerance))
            differences.Add($"pixel_mean {List(pixelMean)} (expected {List(PixelMean)})");
        if (pixelStd.Count != PixelStd.Count || pixelStd.Zip(PixelStd).Any(p => Math.Abs(p.First - p.Second) > StdRelativeTolerance * p.Second))
            differences.Add($"pixel_std {List(pixelStd)} (expected {List(PixelStd)})");
        return differences;
    }

    private static string Order(ChannelOrder order) => order == ChannelOrder.Rgb ? "RGB" : "BGR";

    private static string List(IReadOnlyList<double> values) =>
        "[" + string.Join(", ", values.Select(v => Math.Round(v, 3).ToString(CultureInfo.InvariantCulture))) + "]";
}
