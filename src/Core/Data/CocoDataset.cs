using System.Text.Json;
using SkiaSharp;

namespace Research.Core.Data;

/// <summary>
/// A detection dataset in COCO's terms: a COCO instances json (detection part) with its images, or another
/// format read into the same records (<see cref="CrowdHumanDataset"/>). Category ids are mapped to contiguous
/// classes 0..K−1 by sorted id at this boundary (cvpods datasets/coco.py, `id_map`) and back for results.
/// Every image is kept for evaluation; <see cref="TrainingImages"/> holds those training samples from: for
/// COCO the images with at least one non-crowd box (cvpods `filter_images_with_only_crowd_annotations`,
/// DATALOADER.FILTER_EMPTY_ANNOTATIONS = True); a reader of another format may keep more.
/// </summary>
public sealed class CocoDataset
{
    private readonly Dictionary<long, CocoCategory> _byCategoryId;
    private readonly Dictionary<long, CocoImage> _byImageId;

    private CocoDataset(string annotationFile, bool isCocoJson, string imageRoot, IReadOnlyList<CocoCategory> categories,
        IReadOnlyList<CocoImage> images, CocoLoadReport report, Func<CocoImage, bool> isTrainingImage)
    {
        AnnotationFile = annotationFile;
        IsCocoJson = isCocoJson;
        ImageRoot = imageRoot;
        Categories = categories;
        Images = images;
        Report = report;
        _byCategoryId = categories.ToDictionary(c => c.Id);
        _byImageId = images.ToDictionary(i => i.Id);
        TrainingImages = images.Where(isTrainingImage).ToArray();
    }

    /// <summary>
    /// A dataset from records another reader built from a file of another format (image ids unique; categories in
    /// class order 0..K−1). <paramref name="isTrainingImage"/> decides <see cref="TrainingImages"/>.
    /// </summary>
    internal static CocoDataset FromRecords(string annotationFile, string imageRoot, IReadOnlyList<CocoCategory> categories,
        IReadOnlyList<CocoImage> images, CocoLoadReport report, Func<CocoImage, bool> isTrainingImage)
    {
        if (categories.Where((c, k) => c.Class != k).Any()) throw new ArgumentException("categories must be in class order 0..K-1");
        return new CocoDataset(annotationFile, isCocoJson: false, imageRoot, categories, images, report, isTrainingImage);
    }

    /// <summary>COCO's training filter: the image has a non-crowd annotation.</summary>
    private static bool HasNonCrowdAnnotation(CocoImage image) => image.TrainingAnnotations.Any();

    /// <summary>The annotation file this dataset was read from (COCO json or CrowdHuman odgt).</summary>
    public string AnnotationFile { get; }

    /// <summary>
    /// Whether <see cref="AnnotationFile"/> is a COCO instances json (then COCO evaluation reads its ground truth
    /// from it, in file order); otherwise the records are the ground truth.
    /// </summary>
    public bool IsCocoJson { get; }

    /// <summary>The folder image file names are relative to.</summary>
    public string ImageRoot { get; }

    /// <summary>Categories in class order (index = contiguous class).</summary>
    public IReadOnlyList<CocoCategory> Categories { get; }

    /// <summary>Number of classes K.</summary>
    public int NumClasses => Categories.Count;

    /// <summary>Class names in class order.</summary>
    public IReadOnlyList<string> ClassNames => Categories.Select(c => c.Name).ToArray();

    /// <summary>Every kept image, sorted by id (evaluation uses all of them).</summary>
    public IReadOnlyList<CocoImage> Images { get; }

    /// <summary>The images training samples from, sorted by id (COCO: those with a non-crowd annotation).</summary>
    public IReadOnlyList<CocoImage> TrainingImages { get; }

    /// <summary>What was skipped while loading.</summary>
    public CocoLoadReport Report { get; }

    /// <summary>The image with this id.</summary>
    public CocoImage Image(long imageId) => _byImageId.TryGetValue(imageId, out var img)
        ? img : throw new DatasetException($"{AnnotationFile}: no image with id {imageId}");

    /// <summary>Contiguous class of a json category id.</summary>
    public int ToClass(long categoryId) => _byCategoryId.TryGetValue(categoryId, out var c)
        ? c.Class : throw new DatasetException($"{AnnotationFile}: unknown category id {categoryId}");

    /// <summary>Json category id of a contiguous class (for COCO results).</summary>
    public long ToCategoryId(int cls) => cls >= 0 && cls < Categories.Count
        ? Categories[cls].Id : throw new ArgumentOutOfRangeException(nameof(cls), cls, $"class must be in 0..{Categories.Count - 1}");

    /// <summary>
    /// Reads a COCO instances json; image file names are resolved against <paramref name="imageRoot"/>.
    /// Bad entries throw <see cref="DatasetException"/> (one line naming the file and id) or, with
    /// <see cref="OnDataError.Skip"/>, are dropped with a warning and counted in <see cref="Report"/>.
    /// A json that does not parse, lacks the images/annotations/categories arrays, or repeats a category or
    /// annotation id always fails (a repeated annotation id names both annotations: index, image id and line).
    /// </summary>
    public static CocoDataset Load(string annotationFile, string imageRoot, CocoLoadOptions? options = null)
    {
        options ??= new CocoLoadOptions();
        var issues = new LoadIssues(annotationFile, options.OnError, options.Warn);
        if (!File.Exists(annotationFile)) throw new DatasetException($"{annotationFile}: annotation file not found");
        JsonDocument doc;
        try
        {
            using var stream = File.OpenRead(annotationFile);
            doc = JsonDocument.Parse(stream);
        }
        catch (JsonException e)
        {
            throw new DatasetException($"{annotationFile}: not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {FirstLine(e.Message)}", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new DatasetException($"{annotationFile}: the top level must be an object with images, annotations and categories");
            var categories = ReadCategories(RequiredArray(root, "categories", annotationFile), issues);
            var images = ReadImages(RequiredArray(root, "images", annotationFile), imageRoot, options.CheckImages, issues);
            var annotations = ReadAnnotations(RequiredArray(root, "annotations", annotationFile), images, categories, options.OutsideTolerance, issues);
            var built = images.Values.OrderBy(i => i.Id)
                .Select(i => i with { Annotations = annotations.TryGetValue(i.Id, out var a) ? a.OrderBy(x => x.Id).ToArray() : Array.Empty<CocoAnnotation>() })
                .ToArray();
            return new CocoDataset(annotationFile, isCocoJson: true, imageRoot, categories.Values.OrderBy(c => c.Class).ToArray(), built,
                issues.Report(), HasNonCrowdAnnotation);
        }
    }

    /// <summary>
    /// The categories of a COCO annotation file in class order (contiguous classes by sorted category id, as
    /// <see cref="Load"/> maps them), without reading its images or annotations: the class mapping of a model trained
    /// on the file, e.g. to name a detector's outputs.
    /// </summary>
    /// <exception cref="DatasetException">The file is missing, not valid JSON, or has no valid categories; the message names it.</exception>
    public static IReadOnlyList<CocoCategory> LoadCategories(string annotationFile)
    {
        if (!File.Exists(annotationFile)) throw new DatasetException($"{annotationFile}: annotation file not found");
        try
        {
            using var stream = File.OpenRead(annotationFile);
            using var doc = JsonDocument.Parse(stream);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new DatasetException($"{annotationFile}: the top level must be an object with images, annotations and categories");
            var issues = new LoadIssues(annotationFile, OnDataError.Fail, null);
            return ReadCategories(RequiredArray(doc.RootElement, "categories", annotationFile), issues).Values.OrderBy(c => c.Class).ToArray();
        }
        catch (JsonException e)
        {
            throw new DatasetException($"{annotationFile}: not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {FirstLine(e.Message)}", e);
        }
    }

    private static Dictionary<long, CocoCategory> ReadCategories(JsonElement array, LoadIssues issues)
    {
        var seen = new Dictionary<long, string>();
        var i = 0;
        foreach (var c in array.EnumerateArray())
        {
            var where = $"category #{i++}";
            if (!TryId(c, "id", out var id)) throw issues.Fatal(where + ": missing or non-integer \"id\"");
            where = $"category id {id}";
            var name = c.ValueKind == JsonValueKind.Object && c.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : id.ToString();
            // Categories define the class mapping: a bad one cannot be skipped, whatever on_error says.
            if (seen.ContainsKey(id)) throw issues.Fatal(where + ": duplicate category id");
            seen[id] = name;
        }
        if (seen.Count == 0) throw new DatasetException($"{issues.File}: no categories");
        // Contiguous classes by sorted category id (cvpods coco.py: id_map = {v: i for i, v in enumerate(sorted ids)}).
        return seen.OrderBy(kv => kv.Key).Select((kv, k) => new CocoCategory(kv.Key, kv.Value, k)).ToDictionary(c => c.Id);
    }

    private static Dictionary<long, CocoImage> ReadImages(JsonElement array, string imageRoot, bool checkImages, LoadIssues issues)
    {
        var images = new Dictionary<long, CocoImage>();
        var i = 0;
        foreach (var e in array.EnumerateArray())
        {
            var where = $"image #{i++}";
            if (!TryId(e, "id", out var id)) { issues.FailImage(where + ": missing or non-integer \"id\"", null); continue; }
            where = $"image id {id}";
            if (images.ContainsKey(id)) { issues.FailImage(where + ": duplicate image id", null); continue; }
            if (!e.TryGetProperty("file_name", out var fn) || fn.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(fn.GetString()))
            { issues.FailImage(where + ": missing \"file_name\"", id); continue; }
            var fileName = fn.GetString()!;
            if (!TryId(e, "width", out var w) || !TryId(e, "height", out var h) || w <= 0 || h <= 0)
            { issues.FailImage(where + $" ({fileName}): \"width\" and \"height\" must be positive integers", id); continue; }
            var path = Path.Combine(imageRoot, fileName);
            if (!File.Exists(path)) { issues.FailImage(where + $": image file not found: {path}", id); continue; }
            if (checkImages)
            {
                using var codec = SKCodec.Create(path);
                if (codec == null) { issues.FailImage(where + $": image file cannot be decoded (not PNG/JPEG or corrupt): {path}", id); continue; }
                var (fw, fh) = ImageDecoder.UprightSize(codec);
                if (fw != w || fh != h)
                { issues.FailImage(where + $": image file is {fw}x{fh} but the json says {w}x{h}: {path}", id); continue; }
            }
            images[id] = new CocoImage(id, fileName, path, (int)w, (int)h, Array.Empty<CocoAnnotation>());
        }
        return images;
    }

    private static Dictionary<long, List<CocoAnnotation>> ReadAnnotations(JsonElement array,
        Dictionary<long, CocoImage> images, Dictionary<long, CocoCategory> categories, double tol, LoadIssues issues)
    {
        var byImage = new Dictionary<long, List<CocoAnnotation>>();
        var ids = new AnnotationIds(array.GetArrayLength());
        var i = 0;
        foreach (var e in array.EnumerateArray())
        {
            var index = i++;
            var where = $"annotation #{index}";
            if (!TryId(e, "id", out var id)) { issues.Fail(where + ": missing or non-integer \"id\""); continue; }
            if (!TryId(e, "image_id", out var imageId)) { issues.Fail($"annotation id {id}: missing or non-integer \"image_id\""); continue; }
            where = $"annotation id {id} (image id {imageId})";
            // A repeated id makes the file ambiguous (which one is meant?): no policy can skip it.
            if (ids.Add(id, index, imageId) is { } first)
                throw issues.Fatal(AnnotationIds.Duplicate(id, first, (index, imageId), File.ReadAllBytes(issues.File)));
            if (!images.TryGetValue(imageId, out var image))
            {
                // The image may have been skipped already (its annotations go with it, silently).
                if (!issues.SkippedImageIds.Contains(imageId)) issues.Fail(where + ": unknown image id");
                continue;
            }
            if (!TryId(e, "category_id", out var catId)) { issues.Fail(where + ": missing or non-integer \"category_id\""); continue; }
            if (!categories.TryGetValue(catId, out var category)) { issues.Fail(where + $": unknown category id {catId}"); continue; }
            if (!e.TryGetProperty("bbox", out var bb) || bb.ValueKind != JsonValueKind.Array || bb.GetArrayLength() != 4
                || bb.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.Number))
            { issues.Fail(where + ": \"bbox\" must be 4 numbers [x, y, width, height]"); continue; }
            var b = bb.EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var box = $"[{string.Join(", ", b.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))}]";
            if (!(b[2] > 0) || !(b[3] > 0)) { issues.Fail(where + $": box {box} has non-positive width or height"); continue; }
            if (b[0] < -tol || b[1] < -tol || b[0] + b[2] > image.Width + tol || b[1] + b[3] > image.Height + tol)
            { issues.Fail(where + $": box {box} lies outside the {image.Width}x{image.Height} image"); continue; }
            var crowd = e.TryGetProperty("iscrowd", out var ic) && ic.ValueKind == JsonValueKind.Number && ic.GetDouble() != 0;
            var area = e.TryGetProperty("area", out var ar) && ar.ValueKind == JsonValueKind.Number ? ar.GetDouble() : b[2] * b[3];
            if (!byImage.TryGetValue(imageId, out var list)) byImage[imageId] = list = new List<CocoAnnotation>();
            list.Add(new CocoAnnotation(id, imageId, catId, category.Class, b[0], b[1], b[2], b[3], area, crowd));
        }
        return byImage;
    }

    private static JsonElement RequiredArray(JsonElement root, string name, string file) =>
        root.TryGetProperty(name, out var a) && a.ValueKind == JsonValueKind.Array
            ? a : throw new DatasetException($"{file}: missing \"{name}\" array");

    private static bool TryId(JsonElement e, string name, out long value)
    {
        value = 0;
        return e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var p)
            && p.ValueKind == JsonValueKind.Number && p.TryGetInt64(out value);
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();
}
