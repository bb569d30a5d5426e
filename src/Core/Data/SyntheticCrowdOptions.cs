using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Research.Core.Data;

/// <summary>
/// Settings of the synthetic crowd (config `data.synthetic_crowd`): person-like figures of one class standing
/// in rows and clusters, so that many full boxes overlap a neighbour at IoU ≥ 0.5 (where NMS at 0.5 must
/// remove a true positive), with visible boxes and a few ignore regions, written as CrowdHuman `.odgt`.
/// Defaults suit the quickstart: 192 px, 2000 train / 200 val, figures 16–90 px tall (FPN P3–P5).
/// </summary>
public sealed record SyntheticCrowdOptions
{
    /// <summary>Width and height of the square images, pixels.</summary>
    public int ImageSize { get; init; } = 192;

    /// <summary>Number of training images.</summary>
    public int TrainImages { get; init; } = 2000;

    /// <summary>Number of validation images.</summary>
    public int ValImages { get; init; } = 200;

    /// <summary>Fewest figures proposed per image (fewer are kept when the visibility rule drops some).</summary>
    public int MinPeople { get; init; } = 8;

    /// <summary>Most figures proposed per image.</summary>
    public int MaxPeople { get; init; } = 22;

    /// <summary>Smallest figure height as a fraction of the image size (16 px at 192).</summary>
    public double MinHeight { get; init; } = 0.0833;

    /// <summary>Largest figure height as a fraction of the image size (90 px at 192; heights are log-uniform between).</summary>
    public double MaxHeight { get; init; } = 90.0 / 192;

    /// <summary>Full-box width / height (a standing person: about 0.4).</summary>
    public double Aspect { get; init; } = 0.4;

    /// <summary>Smallest centre distance of neighbours in a row or cluster, as a fraction of the figure width.</summary>
    public double MinSpacing { get; init; } = 0.1;

    /// <summary>Largest centre distance of neighbours in a row or cluster, as a fraction of the figure width.</summary>
    public double MaxSpacing { get; init; } = 0.5;

    /// <summary>Most ignore regions (painted distant crowds, tag "mask") per image; 0 up to this many, uniformly.</summary>
    public int MaxIgnoreRegions { get; init; } = 2;

    /// <summary>A figure less visible than this fraction of its silhouette (behind others or cut by the border) is not placed.</summary>
    public double MinVisibleFraction { get; init; } = 0.25;

    /// <summary>Seed of the whole dataset.</summary>
    public long Seed { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad `data.synthetic_crowd.*` key.</summary>
    public void Validate()
    {
        static void Check(bool ok, string key, object value, string rule)
        {
            if (!ok) throw new ArgumentException($"data.synthetic_crowd.{key} {rule}, got {Convert.ToString(value, CultureInfo.InvariantCulture)}");
        }
        Check(ImageSize >= 32, "image_size", ImageSize, "must be at least 32");
        Check(TrainImages >= 0, "train_images", TrainImages, "must be ≥ 0");
        Check(ValImages >= 0, "val_images", ValImages, "must be ≥ 0");
        Check(MinPeople >= 1, "min_people", MinPeople, "must be ≥ 1");
        Check(MaxPeople >= MinPeople, "max_people", MaxPeople, $"must be ≥ min_people ({MinPeople})");
        Check(MinHeight > 0 && MinHeight * ImageSize >= 8, "min_height", MinHeight, "must give at least 8 pixels");
        Check(MaxHeight >= MinHeight && MaxHeight <= 0.9, "max_height", MaxHeight, "must be in [min_height, 0.9]");
        Check(Aspect >= 0.2 && Aspect <= 1, "aspect", Aspect, "must be in [0.2, 1]");
        Check(MinSpacing > 0, "min_spacing", MinSpacing, "must be > 0");
        Check(MaxSpacing >= MinSpacing && MaxSpacing <= 2, "max_spacing", MaxSpacing, "must be in [min_spacing, 2]");
        Check(MaxIgnoreRegions >= 0, "max_ignore_regions", MaxIgnoreRegions, "must be ≥ 0");
        Check(MinVisibleFraction >= 0 && MinVisibleFraction <= 1, "min_visible_fraction", MinVisibleFraction, "must be in [0, 1]");
    }

    /// <summary>
    /// The cache key: a hash of every setting and the generator version, so a change of either makes a new
    /// folder and an old folder is reused only for identical settings.
    /// </summary>
    public string CacheKey()
    {
        var text = string.Create(CultureInfo.InvariantCulture,
            $"v{SyntheticCrowdPainter.Version}|{ImageSize}|{TrainImages}|{ValImages}|{MinPeople}|{MaxPeople}|{MinHeight:R}|{MaxHeight:R}|{Aspect:R}|{MinSpacing:R}|{MaxSpacing:R}|{MaxIgnoreRegions}|{MinVisibleFraction:R}|{Seed}");
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12].ToLowerInvariant();
    }
}
