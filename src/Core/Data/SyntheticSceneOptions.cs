using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Research.Core.Data;

/// <summary>
/// Settings of the synthetic crowded-shapes dataset (config `data.synthetic`). Defaults follow the
/// quickstart calibration (notes/perf-anchors.md "Quickstart calibration"): 192 px, 2000 train / 200 val,
/// 4 classes, 5–25 objects per image, sizes 12–80 px at 256 px (scaled with the image), about half the
/// objects placed as same-class crowd neighbours, every object at least 50 % visible.
/// </summary>
public sealed record SyntheticSceneOptions
{
    /// <summary>Width and height of the square images, pixels.</summary>
    public int ImageSize { get; init; } = 192;

    /// <summary>Number of training images.</summary>
    public int TrainImages { get; init; } = 2000;

    /// <summary>Number of validation images.</summary>
    public int ValImages { get; init; } = 200;

    /// <summary>Number of shape classes, 1..6 (rectangle, ellipse, triangle, ring, cross, diamond, in that order).</summary>
    public int NumClasses { get; init; } = 4;

    /// <summary>Fewest objects per image.</summary>
    public int MinObjects { get; init; } = 5;

    /// <summary>Most objects per image (fewer when placements keep failing the visibility rule).</summary>
    public int MaxObjects { get; init; } = 25;

    /// <summary>Smallest object size (geometric mean of box sides) as a fraction of the image size.</summary>
    public double MinObjectSize { get; init; } = 12.0 / 256;

    /// <summary>Largest object size as a fraction of the image size (sizes are log-uniform between).</summary>
    public double MaxObjectSize { get; init; } = 80.0 / 256;

    /// <summary>Probability that an object is placed as a same-class neighbour overlapping an earlier one.</summary>
    public double CrowdFraction { get; init; } = 0.5;

    /// <summary>An object is rejected if it would leave any earlier object less visible than this fraction.</summary>
    public double MinVisibleFraction { get; init; } = 0.5;

    /// <summary>Seed of the whole dataset.</summary>
    public long Seed { get; init; }

    /// <summary>Class names in class order (the first <see cref="NumClasses"/> shapes).</summary>
    public IReadOnlyList<string> ClassNames => SyntheticShape.Names.Take(NumClasses).ToArray();

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad `data.synthetic.*` key.</summary>
    public void Validate()
    {
        static void Check(bool ok, string key, object value, string rule)
        {
            if (!ok) throw new ArgumentException($"data.synthetic.{key} {rule}, got {Convert.ToString(value, CultureInfo.InvariantCulture)}");
        }
        Check(ImageSize >= 32, "image_size", ImageSize, "must be at least 32");
        Check(TrainImages >= 0, "train_images", TrainImages, "must be ≥ 0");
        Check(ValImages >= 0, "val_images", ValImages, "must be ≥ 0");
        Check(NumClasses >= 1 && NumClasses <= SyntheticShape.Names.Count, "num_classes", NumClasses, $"must be in 1..{SyntheticShape.Names.Count}");
        Check(MinObjects >= 1, "min_objects", MinObjects, "must be ≥ 1");
        Check(MaxObjects >= MinObjects, "max_objects", MaxObjects, $"must be ≥ min_objects ({MinObjects})");
        Check(MinObjectSize > 0 && MinObjectSize * ImageSize >= 4, "min_object_size", MinObjectSize, "must give at least 4 pixels");
        Check(MaxObjectSize >= MinObjectSize && MaxObjectSize <= 0.9, "max_object_size", MaxObjectSize, "must be in [min_object_size, 0.9]");
        Check(CrowdFraction >= 0 && CrowdFraction <= 1, "crowd_fraction", CrowdFraction, "must be in [0, 1]");
        Check(MinVisibleFraction >= 0 && MinVisibleFraction <= 1, "min_visible_fraction", MinVisibleFraction, "must be in [0, 1]");
    }

    /// <summary>
    /// The cache key: a hash of every setting and the generator version, so a change of either makes a new
    /// folder and an old folder is reused only for identical settings.
    /// </summary>
    public string CacheKey()
    {
        var text = string.Create(CultureInfo.InvariantCulture,
            $"v{SyntheticScenePainter.Version}|{ImageSize}|{TrainImages}|{ValImages}|{NumClasses}|{MinObjects}|{MaxObjects}|{MinObjectSize:R}|{MaxObjectSize:R}|{CrowdFraction:R}|{MinVisibleFraction:R}|{Seed}");
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12].ToLowerInvariant();
    }
}
