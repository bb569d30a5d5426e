using System.Text.Json;

namespace Research.Core.Data;

/// <summary>Where a generated synthetic crowd lives.</summary>
/// <param name="Directory">The cache folder of these settings.</param>
/// <param name="ImageDir">The image folder of both splits (<c>Images/ID.png</c>, CrowdHuman's layout).</param>
/// <param name="TrainOdgt">Annotations of the training split.</param>
/// <param name="ValOdgt">Annotations of the validation split.</param>
/// <param name="Reused">True when the folder existed and nothing was generated.</param>
public sealed record SyntheticCrowdFiles(string Directory, string ImageDir, string TrainOdgt, string ValOdgt, bool Reused);

/// <summary>
/// The embedded crowd preset: scenes of <see cref="SyntheticCrowdPainter"/> written as PNGs and CrowdHuman
/// `.odgt` files (fbox, vbox, hbox per person, tag "mask" with `extra.ignore` 1 per distant crowd, no width/height
/// keys — like the released files) under <c>cacheRoot/synthetic_crowd-KEY</c>, KEY a hash of the settings. Generated
/// once into a temporary folder renamed at the end, reused when complete; each image is a pure function of (seed,
/// split, index), so the bytes do not depend on thread scheduling. The data is read back through
/// <see cref="CrowdHumanDataset"/>, the reader of real CrowdHuman files; <see cref="CrowdStatistics"/> measures how
/// crowded it is.
/// </summary>
public static class SyntheticCrowd
{
    private const string Marker = "params.json";

    /// <summary>
    /// Makes sure the preset of these settings exists under <paramref name="cacheRoot"/> and returns its files.
    /// <paramref name="progress"/> receives (images done, total) during generation; by default a line goes to
    /// standard error every 10 %.
    /// </summary>
    public static SyntheticCrowdFiles Generate(SyntheticCrowdOptions options, string cacheRoot, Action<int, int>? progress = null)
    {
        options.Validate();
        var final = Path.Combine(Path.GetFullPath(cacheRoot), $"synthetic_crowd-{options.CacheKey()}");
        var reused = GeneratedFolder.Ensure(final, Marker, temp => WriteAll(options, temp, progress ?? GeneratedFolder.ProgressLines("synthetic crowd", final)));
        return new SyntheticCrowdFiles(final, Path.Combine(final, "Images"), Path.Combine(final, "annotation_train.odgt"),
            Path.Combine(final, "annotation_val.odgt"), reused);
    }

    /// <summary>Generates (or reuses) the preset and reads both splits with <see cref="CrowdHumanDataset.Load"/> (box: <paramref name="box"/>).</summary>
    public static (CocoDataset Train, CocoDataset Val) Load(SyntheticCrowdOptions options, string cacheRoot, CrowdHumanBox box = CrowdHumanBox.Full,
        Action<int, int>? progress = null)
    {
        var files = Generate(options, cacheRoot, progress);
        var read = new CrowdHumanLoadOptions { Box = box };
        return (CrowdHumanDataset.Load(files.TrainOdgt, files.ImageDir, read), CrowdHumanDataset.Load(files.ValOdgt, files.ImageDir, read));
    }

    /// <summary>The CrowdHuman `ID` of image <paramref name="index"/> (0-based) of a split.</summary>
    public static string ImageId(string split, int index) => $"{split}-{index + 1:D6}";

    private static void WriteAll(SyntheticCrowdOptions options, string dir, Action<int, int> progress)
    {
        var images = Path.Combine(dir, "Images");
        Directory.CreateDirectory(images);
        var splits = new[] { ("train", options.TrainImages), ("val", options.ValImages) };
        var lines = GeneratedFolder.RenderSplits(splits, (split, name, i) =>
        {
            var scene = SyntheticCrowdPainter.Render(options, split, i);
            var id = ImageId(name, i);
            RgbPng.Write(Path.Combine(images, id + ".png"), scene.Size, scene.Size, scene.Rgb);
            return OdgtLine(id, scene);
        }, progress);
        for (var split = 0; split < splits.Length; split++)
            File.WriteAllLines(Path.Combine(dir, $"annotation_{splits[split].Item1}.odgt"), lines[split]);
        // Written last: its presence marks a complete folder.
        GeneratedFolder.WriteMarker(dir, Marker, new
        {
            generator_version = SyntheticCrowdPainter.Version,
            options.ImageSize, options.TrainImages, options.ValImages, options.MinPeople, options.MaxPeople, options.MinHeight,
            options.MaxHeight, options.Aspect, options.MinSpacing, options.MaxSpacing, options.MaxIgnoreRegions,
            options.MinVisibleFraction, options.Seed,
        });
    }

    /// <summary>One `.odgt` record: the people (nearest first), then the ignore regions.</summary>
    internal static string OdgtLine(string id, SyntheticCrowdScene scene)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("ID", id);
            w.WriteStartArray("gtboxes");
            var boxId = 0;
            foreach (var p in scene.People)
                WriteGtbox(w, "person", p.Full, p.Visible, p.Head, boxId++, ignore: false, occluded: p.VisibleFraction < 0.9);
            foreach (var r in scene.IgnoreRegions)
                WriteGtbox(w, "mask", r, r, r, boxId++, ignore: true, occluded: false);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteGtbox(Utf8JsonWriter w, string tag, BoxXyxy full, BoxXyxy visible, BoxXyxy head, int boxId, bool ignore, bool occluded)
    {
        w.WriteStartObject();
        w.WriteString("tag", tag);
        Box("fbox", full);
        Box("vbox", visible);
        Box("hbox", head);
        w.WriteStartObject("extra");
        w.WriteNumber("box_id", boxId);
        w.WriteNumber("occ", occluded ? 1 : 0);
        w.WriteNumber("ignore", ignore ? 1 : 0);
        w.WriteEndObject();
        w.WriteStartObject("head_attr");
        w.WriteNumber("ignore", ignore ? 1 : 0);
        w.WriteEndObject();
        w.WriteEndObject();

        void Box(string key, BoxXyxy b)
        {
            w.WriteStartArray(key);
            foreach (var v in new[] { b.X1, b.Y1, b.Width, b.Height }) w.WriteNumberValue(Math.Round(v, 3));
            w.WriteEndArray();
        }
    }
}
