using System.Runtime.CompilerServices;
using System.Text.Json;
using Research.Core.Data;
using static Research.Core.Evaluation.CocoJsonReading;

namespace Research.Core.Evaluation;

/// <summary>
/// The ground truth of a COCO bbox evaluation: every image id (including images without annotations), every
/// category id (including categories without annotations) and the annotations in file order (the order
/// decides ties, notes/coco-eval-reference.md §1). Built from an instances json file or in memory.
/// </summary>
public sealed class CocoGroundTruth
{
    private readonly Dictionary<long, int> _imageIndex;
    private readonly Dictionary<long, int> _categoryIndex;

    /// <summary>
    /// Builds a ground truth in memory. Image and category ids are sorted and de-duplicated (as pycocotools'
    /// <c>np.unique</c>); annotations keep their order. Annotations whose image or category is not listed are
    /// kept here but left out of the evaluation, as pycocotools does (counted in the result).
    /// </summary>
    /// <param name="imageIds">Ids of all images of the evaluated set.</param>
    /// <param name="categoryIds">COCO category ids.</param>
    /// <param name="annotations">Objects in file order; ids must be unique, boxes finite with w, h ≥ 0.</param>
    /// <param name="source">Name used in error messages (the file path when loaded from a file).</param>
    /// <exception cref="InvalidDataException">Duplicate annotation id, or a non-finite/negative box or area.</exception>
    public CocoGroundTruth(IEnumerable<long> imageIds, IEnumerable<long> categoryIds, IEnumerable<CocoAnnotation> annotations,
        string source = "ground truth")
        : this(imageIds, categoryIds, annotations, source, default)
    {
    }

    /// <summary>The constructor behind both; <paramref name="json"/> is the file's text (for line numbers in errors) or empty.</summary>
    private CocoGroundTruth(IEnumerable<long> imageIds, IEnumerable<long> categoryIds, IEnumerable<CocoAnnotation> annotations,
        string source, ReadOnlySpan<byte> json)
    {
        Source = source;
        ImageIds = imageIds.Distinct().Order().ToArray();
        CategoryIds = categoryIds.Distinct().Order().ToArray();
        Annotations = annotations.ToArray();
        _imageIndex = new Dictionary<long, int>(ImageIds.Count);
        for (var i = 0; i < ImageIds.Count; i++) _imageIndex[ImageIds[i]] = i;
        _categoryIndex = new Dictionary<long, int>(CategoryIds.Count);
        for (var k = 0; k < CategoryIds.Count; k++) _categoryIndex[CategoryIds[k]] = k;

        // pycocotools keeps only the last of duplicate ids (anns[id]) and then evaluates that one twice:
        // refuse instead of silently evaluating the wrong objects.
        var ids = new AnnotationIds(Annotations.Count);
        var warnings = new List<string>();
        for (var n = 0; n < Annotations.Count; n++)
        {
            var a = Annotations[n];
            if (ids.Add(a.Id, n, a.ImageId) is { } first)
                throw new InvalidDataException($"{source}: {AnnotationIds.Duplicate(a.Id, first, (n, a.ImageId), json)}");
            if (a.Id == 0)
                warnings.Add($"{source}: annotation id 0 (image {a.ImageId}): pycocotools counts a detection matched to it as a false positive; " +
                             "this evaluator does the same, as papers report; renumber ids from 1 to score it");
            if (!double.IsFinite(a.X) || !double.IsFinite(a.Y) || !double.IsFinite(a.Width) || !double.IsFinite(a.Height) ||
                a.Width < 0 || a.Height < 0)
                throw Error(source, $"annotations[{n}] (id {a.Id})", $"bbox [{a.X}, {a.Y}, {a.Width}, {a.Height}] must be finite with w, h >= 0");
            if (!double.IsFinite(a.Area) || a.Area < 0)
                throw Error(source, $"annotations[{n}] (id {a.Id})", $"area {a.Area} must be a finite number >= 0");
        }
        Warnings = warnings;
    }

    /// <summary>
    /// What the evaluation of this ground truth does that a user may not expect, one line each (prefixed by
    /// <see cref="Source"/>, without "warning: "). Today: an annotation with id 0, which pycocotools, and so this
    /// evaluator, never scores as a true positive (ids are unique, so there is at most one such line).
    /// </summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Where this ground truth came from (file path or a caller-given name), for messages.</summary>
    public string Source { get; }

    /// <summary>Sorted, distinct image ids: the images evaluated (ascending id is also the accumulation order).</summary>
    public IReadOnlyList<long> ImageIds { get; }

    /// <summary>Sorted, distinct COCO category ids: index k of every per-category array.</summary>
    public IReadOnlyList<long> CategoryIds { get; }

    /// <summary>Annotations in file order.</summary>
    public IReadOnlyList<CocoAnnotation> Annotations { get; }

    /// <summary>Index of an image id in <see cref="ImageIds"/>, or −1 when the image is not in the set.</summary>
    public int ImageIndexOf(long imageId) => _imageIndex.TryGetValue(imageId, out var i) ? i : -1;

    /// <summary>Index of a category id in <see cref="CategoryIds"/>, or −1 when the category is not in the set.</summary>
    public int CategoryIndexOf(long categoryId) => _categoryIndex.TryGetValue(categoryId, out var k) ? k : -1;

    /// <summary>
    /// Loads a COCO instances json (<c>images[].id</c>; <c>annotations[]</c> with id, image_id, category_id,
    /// bbox [x, y, w, h], area and optional iscrowd (default 0); <c>categories[].id</c>). Other fields
    /// (segmentation, file names, ...) are skipped without being materialised.
    /// </summary>
    /// <param name="path">The instances json.</param>
    /// <param name="warn">Receives each of <see cref="Warnings"/> as a line starting "warning: "; default: standard error.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">Corrupt json or a missing/invalid field (a repeated annotation id names both
    /// annotations with their lines); the message names the file and element.</exception>
    public static CocoGroundTruth Load(string path, Action<string>? warn = null)
    {
        var gt = Parse(ReadFile(path, "ground-truth"), path);
        foreach (var w in gt.Warnings) (warn ?? Console.Error.WriteLine)("warning: " + w);
        return gt;
    }

    /// <summary>Parses a COCO instances json held in memory (UTF-8); <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">Corrupt json or a missing/invalid field.</exception>
    public static CocoGroundTruth Parse(ReadOnlySpan<byte> utf8Json, string source = "ground truth")
    {
        List<long> images, categories;
        List<CocoAnnotation> annotations;
        try
        {
            (images, categories, annotations) = ParseParts(WithoutBom(utf8Json), source);
        }
        catch (JsonException e)
        {
            throw SyntaxError(source, e);
        }
        return new CocoGroundTruth(images, categories, annotations, source, utf8Json);
    }

    private static (List<long>, List<long>, List<CocoAnnotation>) ParseParts(ReadOnlySpan<byte> bytes, string source)
    {
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        Expect(ref reader, JsonTokenType.StartObject, source, new Element("top level", -1), "a COCO instances object {\"images\": ..., \"annotations\": ..., \"categories\": ...}");
        List<long>? images = null, categories = null;
        List<CocoAnnotation>? annotations = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("images"u8)) images = ReadIds(ref reader, source, "images");
            else if (reader.ValueTextEquals("categories"u8)) categories = ReadIds(ref reader, source, "categories");
            else if (reader.ValueTextEquals("annotations"u8)) annotations = ReadAnnotations(ref reader, source);
            else reader.Skip();
        }
        if (images is null) throw Error(source, "top level", Missing("images"));
        if (annotations is null) throw Error(source, "top level", Missing("annotations"));
        if (categories is null) throw Error(source, "top level", Missing("categories"));
        return (images, categories, annotations);
    }

    private static List<long> ReadIds(ref Utf8JsonReader reader, string source, string list)
    {
        Expect(ref reader, JsonTokenType.StartArray, source, new Element(list, -1), "an array");
        var ids = new List<long>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var element = new Element(list, ids.Count);
            if (reader.TokenType != JsonTokenType.StartObject) throw Error(source, element, $"expected an object, found {Describe(reader.TokenType)}");
            long? id = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("id"u8)) id = ReadInteger(ref reader, source, element, "id");
                else reader.Skip();
            }
            ids.Add(id ?? throw Error(source, element, Missing("id")));
        }
        return ids;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: skip the slow tier-0 code of tiered JIT
    private static List<CocoAnnotation> ReadAnnotations(ref Utf8JsonReader reader, string source)
    {
        Expect(ref reader, JsonTokenType.StartArray, source, new Element("annotations", -1), "an array");
        var result = new List<CocoAnnotation>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var element = new Element("annotations", result.Count);
            if (reader.TokenType != JsonTokenType.StartObject) throw Error(source, element, $"expected an object, found {Describe(reader.TokenType)}");
            long? id = null, imageId = null, categoryId = null;
            double? area = null;
            (double X, double Y, double W, double H)? box = null;
            var crowd = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("id"u8)) id = ReadInteger(ref reader, source, element, "id");
                else if (reader.ValueTextEquals("image_id"u8)) imageId = ReadInteger(ref reader, source, element, "image_id");
                else if (reader.ValueTextEquals("category_id"u8)) categoryId = ReadInteger(ref reader, source, element, "category_id");
                else if (reader.ValueTextEquals("bbox"u8)) box = ReadBox(ref reader, source, element);
                else if (reader.ValueTextEquals("area"u8)) area = ReadNumber(ref reader, source, element, "area");
                else if (reader.ValueTextEquals("iscrowd"u8)) crowd = ReadCrowd(ref reader, source, element);
                else reader.Skip();
            }
            if (id is null) throw Error(source, element, Missing("id"));
            var named = element with { Id = id };
            if (imageId is null) throw Error(source, named, Missing("image_id"));
            if (categoryId is null) throw Error(source, named, Missing("category_id"));
            if (box is not { } b) throw Error(source, named, Missing("bbox"));
            if (area is null) throw Error(source, named, Missing("area"));
            result.Add(new CocoAnnotation(id.Value, imageId.Value, categoryId.Value, b.X, b.Y, b.W, b.H, area.Value, crowd));
        }
        return result;
    }
}
