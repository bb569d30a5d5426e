using System.Globalization;
using System.Text.Json;

namespace Research.Core.Data;

/// <summary>Where a generated synthetic dataset lives.</summary>
/// <param name="Directory">The cache folder of these settings (image root of both json files).</param>
/// <param name="TrainJson">COCO json of the training split.</param>
/// <param name="ValJson">COCO json of the validation split.</param>
/// <param name="Reused">True when the folder existed and nothing was generated.</param>
public sealed record SyntheticDatasetFiles(string Directory, string TrainJson, string ValJson, bool Reused);

/// <summary>
/// The embedded default dataset: crowded synthetic shapes written as PNGs plus COCO json (train/val) under
/// <c>cacheRoot/synthetic-KEY</c>, KEY a hash of the settings (<see cref="SyntheticSceneOptions.CacheKey"/>).
/// A folder is reused when present; generation writes to a temporary folder renamed at the end, so an
/// interrupted generation is never reused. Images are rendered in parallel but each is a pure function of
/// (seed, split, index), so the bytes do not depend on scheduling. The data is read back through
/// <see cref="CocoDataset"/> like any COCO dataset.
/// </summary>
public static class SyntheticDataset
{
    /// <summary>
    /// Makes sure the dataset of these settings exists under <paramref name="cacheRoot"/> and returns its files.
    /// <paramref name="progress"/> receives (images done, total) now and then during generation; by default
    /// a line goes to standard error every 10 %.
    /// </summary>
    public static SyntheticDatasetFiles Generate(SyntheticSceneOptions options, string cacheRoot, Action<int, int>? progress = null)
    {
        options.Validate();
        var final = Path.Combine(Path.GetFullPath(cacheRoot), $"synthetic-{options.CacheKey()}");
        var reused = GeneratedFolder.Ensure(final, "params.json", temp => WriteAll(options, temp, progress ?? GeneratedFolder.ProgressLines("synthetic data", final)));
        return Files(final, reused);
    }

    /// <summary>Generates (or reuses) the dataset and loads both splits with <see cref="CocoDataset.Load"/>.</summary>
    public static (CocoDataset Train, CocoDataset Val) Load(SyntheticSceneOptions options, string cacheRoot, Action<int, int>? progress = null)
    {
        var files = Generate(options, cacheRoot, progress);
        // The files were written by us: reading headers again would only cost time.
        var load = new CocoLoadOptions { CheckImages = false };
        return (CocoDataset.Load(files.TrainJson, files.Directory, load), CocoDataset.Load(files.ValJson, files.Directory, load));
    }

    /// <summary>
    /// The categories of a generated set with <paramref name="numClasses"/> shape classes, in class order, as its json
    /// files list them (ids 1..K, the shape names): the class mapping of a model trained on it.
    /// </summary>
    public static IReadOnlyList<CocoCategory> Categories(int numClasses)
    {
        if (numClasses < 1 || numClasses > SyntheticShape.Names.Count)
            throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, $"the generator draws 1 to {SyntheticShape.Names.Count} shape classes");
        return Enumerable.Range(0, numClasses).Select(c => new CocoCategory(c + 1, SyntheticShape.Names[c], c)).ToArray();
    }

    private static SyntheticDatasetFiles Files(string dir, bool reused) =>
        new(dir, Path.Combine(dir, "train.json"), Path.Combine(dir, "val.json"), reused);

    private static void WriteAll(SyntheticSceneOptions options, string dir, Action<int, int> progress)
    {
        var splits = new[] { ("train", options.TrainImages), ("val", options.ValImages) };
        foreach (var (name, _) in splits) Directory.CreateDirectory(Path.Combine(dir, name));
        var objects = GeneratedFolder.RenderSplits(splits, (split, name, i) =>
        {
            var scene = SyntheticScenePainter.Render(options, split, i);
            RgbPng.Write(Path.Combine(dir, FileName(name, i)), scene.Size, scene.Size, scene.Rgb);
            return scene.Objects;
        }, progress);
        for (var split = 0; split < splits.Length; split++)
            WriteJson(Path.Combine(dir, $"{splits[split].Item1}.json"), splits[split].Item1, options, objects[split]);
        // Written last: its presence marks a complete folder.
        GeneratedFolder.WriteMarker(dir, "params.json", new
        {
            generator_version = SyntheticScenePainter.Version,
            options.ImageSize, options.TrainImages, options.ValImages, options.NumClasses, options.MinObjects,
            options.MaxObjects, options.MinObjectSize, options.MaxObjectSize, options.CrowdFraction,
            options.MinVisibleFraction, options.Seed,
        });
    }

    private static string FileName(string split, int index) => $"{split}/{index + 1:D6}.png";

    private static void WriteJson(string path, string split, SyntheticSceneOptions options, IReadOnlyList<SyntheticObject>[] images)
    {
        using var stream = File.Create(path);
        using var w = new Utf8JsonWriter(stream);
        w.WriteStartObject();
        w.WriteStartObject("info");
        w.WriteString("description", $"Research synthetic crowded shapes ({split}), generator v{SyntheticScenePainter.Version}, key {options.CacheKey()}");
        w.WriteEndObject();
        w.WriteStartArray("images");
        for (var i = 0; i < images.Length; i++)
        {
            w.WriteStartObject();
            w.WriteNumber("id", i + 1);
            w.WriteString("file_name", FileName(split, i));
            w.WriteNumber("width", options.ImageSize);
            w.WriteNumber("height", options.ImageSize);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("annotations");
        var annId = 1;  // ids start at 1: pycocotools treats an annotation id of 0 as "no match"
        for (var i = 0; i < images.Length; i++)
            foreach (var o in images[i])
            {
                w.WriteStartObject();
                w.WriteNumber("id", annId++);
                w.WriteNumber("image_id", i + 1);
                w.WriteNumber("category_id", o.Class + 1);
                w.WriteStartArray("bbox");
                foreach (var v in new[] { o.Box.X1, o.Box.Y1, o.Box.Width, o.Box.Height }) w.WriteNumberValue(Math.Round(v, 3));
                w.WriteEndArray();
                w.WriteNumber("area", o.Area);
                w.WriteNumber("iscrowd", 0);
                w.WriteEndObject();
            }
        w.WriteEndArray();
        w.WriteStartArray("categories");
        foreach (var category in Categories(options.NumClasses))
        {
            w.WriteStartObject();
            w.WriteNumber("id", category.Id);
            w.WriteString("name", category.Name);
            w.WriteString("supercategory", "shape");
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
