using System.Globalization;
using System.Text.Json;

namespace Research.Core.Data;

/// <summary>
/// Reads a CrowdHuman annotation file (`.odgt`: one JSON object per line, `{"ID", "gtboxes": [{"tag", "fbox",
/// "vbox", "hbox", "extra": {"ignore"}}]}`, boxes [x, y, w, h] in pixels) with its image folder into a
/// <see cref="CocoDataset"/> of one class, "person" (class 0, category id 1), as cvpods' crowdhuman.py does:
/// <list type="bullet">
/// <item>the box is the one <see cref="CrowdHumanLoadOptions.Box"/> names (fbox by default, the official choice);</item>
/// <item>a gtbox with `extra.ignore` ≠ 0 (every "mask" box on the released files) becomes a crowd annotation:
/// training drops it before assignment, as the official CrowdHuman models do, and the batches carry it as an
/// ignore box (<see cref="DetectionTarget.IgnoreBoxes"/>);</item>
/// <item>boxes are clipped to the image and dropped when nothing is left (the official loader clips after the
/// resize, which gives the same boxes since the resize maps the image border onto the resized one);</item>
/// <item>an image is a training image when its line has at least one valid gtbox, ignore ones included: cvpods
/// keeps such images (its crowd filter looks at `iscrowd`, which CrowdHuman lacks), so an image whose boxes are
/// all ignore trains as pure background;</item>
/// <item>the image is <c>DIR/ID.jpg</c>, <c>.jpeg</c> or <c>.png</c> (as the CrowdHuman evaluator looks for it); its
/// size comes from the record's `width`/`height` when present (what cvpods requires), else from the file header
/// (the released files have no sizes).</item>
/// </list>
/// Image ids are the records' line numbers (1-based) and <see cref="CocoImage.SourceId"/> keeps the `ID` string;
/// annotation ids count from 1 in file order. Malformed lines, a missing ID or image, unknown tags (allowed:
/// person, mask), missing boxes and boxes with width or height ≤ 0 fail with one line naming the file, the line and
/// the ID, or are skipped with a warning (<see cref="OnDataError.Skip"/>).
/// </summary>
public static class CrowdHumanDataset
{
    /// <summary>The category of every box.</summary>
    public static readonly CocoCategory Person = new(1, "person", 0);

    /// <summary>The tags a gtbox may have.</summary>
    public static readonly IReadOnlyList<string> Tags = new[] { "person", "mask" };

    /// <summary>Image file extensions tried for an ID, in this order.</summary>
    public static readonly IReadOnlyList<string> ImageExtensions = new[] { ".jpg", ".jpeg", ".png" };

    /// <summary>Reads <paramref name="odgtFile"/>; images are looked up in <paramref name="imageDir"/>.</summary>
    public static CocoDataset Load(string odgtFile, string imageDir, CrowdHumanLoadOptions? options = null)
    {
        options ??= new CrowdHumanLoadOptions();
        if (!File.Exists(odgtFile)) throw new DatasetException($"{odgtFile}: annotation file not found");
        if (!Directory.Exists(imageDir)) throw new DatasetException($"{odgtFile}: image folder not found: {imageDir}");
        var issues = new LoadIssues(odgtFile, options.OnError, options.Warn);
        var images = new List<CocoImage>();
        var training = new HashSet<long>();
        var firstLineOfId = new Dictionary<string, int>(StringComparer.Ordinal);
        var nextAnnotationId = 1L;
        var lineNumber = 0;
        var records = 0;
        foreach (var line in File.ReadLines(odgtFile))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            records++;
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(line);
            }
            catch (JsonException e)
            {
                issues.FailImage($"line {lineNumber}: not valid JSON (byte {e.BytePositionInLine + 1}): {e.Message.Split('\n')[0].Trim()}", null);
                continue;
            }
            using (doc)
            {
                var image = ReadRecord(doc.RootElement, lineNumber, imageDir, options, issues, firstLineOfId, ref nextAnnotationId, out var hasBox);
                if (image == null) continue;
                images.Add(image);
                if (hasBox) training.Add(image.Id);
            }
        }
        if (records == 0) throw new DatasetException($"{odgtFile}: no records (an .odgt file holds one JSON object per line)");
        return CocoDataset.FromRecords(odgtFile, imageDir, new[] { Person }, images, issues.Report(), i => training.Contains(i.Id));
    }

    /// <summary>The image file of an ID: the first of <c>DIR/ID.jpg</c>, <c>.jpeg</c>, <c>.png</c> that exists, else null.</summary>
    public static string? FindImage(string imageDir, string id) =>
        ImageExtensions.Select(ext => Path.Combine(imageDir, id + ext)).FirstOrDefault(File.Exists);

    private static CocoImage? ReadRecord(JsonElement root, int lineNumber, string imageDir, CrowdHumanLoadOptions options,
        LoadIssues issues, Dictionary<string, int> firstLineOfId, ref long nextAnnotationId, out bool hasBox)
    {
        hasBox = false;
        var where = $"line {lineNumber}";
        if (root.ValueKind != JsonValueKind.Object) { issues.FailImage(where + ": a record must be a JSON object", null); return null; }
        if (!root.TryGetProperty("ID", out var idElement) || idElement.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(idElement.GetString()))
        { issues.FailImage(where + ": missing \"ID\" (a non-empty string)", null); return null; }
        var id = idElement.GetString()!;
        where += $" (ID {id})";
        if (firstLineOfId.TryGetValue(id, out var first)) { issues.FailImage(where + $": duplicate ID, first on line {first}", null); return null; }
        firstLineOfId[id] = lineNumber;
        var path = FindImage(imageDir, id);
        if (path == null)
        { issues.FailImage(where + $": image file not found: {Path.Combine(imageDir, id)}{string.Join(" or ", ImageExtensions)}", lineNumber); return null; }
        int width, height;
        if (TryPositiveInt(root, "width", out var w) && TryPositiveInt(root, "height", out var h)) (width, height) = (w, h);
        else
        {
            try
            {
                (width, height) = ImageDecoder.ReadUprightSize(path);
            }
            catch (DatasetException e)
            {
                issues.FailImage($"{where}: {e.Message}", lineNumber);
                return null;
            }
        }
        if (!root.TryGetProperty("gtboxes", out var gtboxes) || gtboxes.ValueKind != JsonValueKind.Array)
        { issues.FailImage(where + ": missing \"gtboxes\" array", lineNumber); return null; }

        var annotations = new List<CocoAnnotation>();
        var k = 0;
        foreach (var g in gtboxes.EnumerateArray())
        {
            var box = ReadGtbox(g, $"{where}: gtbox #{k++}", options, issues, out var ignore);
            if (box is not { } b) continue;
            hasBox = true;
            // Clipped here rather than after the resize: the same boxes, and evaluation sees them too.
            var clipped = b.Clip(height, width);
            if (clipped.IsEmpty) continue;
            annotations.Add(new CocoAnnotation(nextAnnotationId++, lineNumber, Person.Id, Person.Class,
                clipped.X1, clipped.Y1, clipped.Width, clipped.Height, clipped.Width * clipped.Height, ignore));
        }
        return new CocoImage(lineNumber, Path.GetFileName(path), path, width, height, annotations) { SourceId = id };
    }

    /// <summary>The chosen box of a gtbox (XYXY, unclipped) and its ignore flag, or null after reporting what is wrong.</summary>
    private static BoxXyxy? ReadGtbox(JsonElement g, string where, CrowdHumanLoadOptions options, LoadIssues issues, out bool ignore)
    {
        ignore = false;
        if (g.ValueKind != JsonValueKind.Object) { issues.Fail(where + ": a gtbox must be a JSON object"); return null; }
        if (!g.TryGetProperty("tag", out var tagElement) || tagElement.ValueKind != JsonValueKind.String)
        { issues.Fail(where + ": missing \"tag\""); return null; }
        var tag = tagElement.GetString()!;
        if (!Tags.Contains(tag)) { issues.Fail(where + $": unknown tag '{tag}' (allowed: {string.Join(", ", Tags)})"); return null; }
        var key = options.BoxKey;
        if (!g.TryGetProperty(key, out var bb))
        { issues.Fail(where + $": missing \"{key}\" (box: {options.Box.ToString().ToLowerInvariant()})"); return null; }
        if (bb.ValueKind != JsonValueKind.Array || bb.GetArrayLength() != 4
            || bb.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.Number || !double.IsFinite(v.GetDouble())))
        { issues.Fail(where + $": \"{key}\" must be 4 numbers [x, y, width, height]"); return null; }
        var v = bb.EnumerateArray().Select(e => e.GetDouble()).ToArray();
        if (!(v[2] > 0) || !(v[3] > 0))
        {
            var text = string.Join(", ", v.Select(x => x.ToString("R", CultureInfo.InvariantCulture)));
            issues.Fail(where + $": {key} [{text}] has non-positive width or height");
            return null;
        }
        // cvpods: category −1 iff 'ignore' in extra and extra['ignore'] != 0; the tag itself is not looked at.
        if (g.TryGetProperty("extra", out var extra) && extra.ValueKind == JsonValueKind.Object && extra.TryGetProperty("ignore", out var ig))
        {
            switch (ig.ValueKind)
            {
                case JsonValueKind.Number: ignore = ig.GetDouble() != 0; break;
                case JsonValueKind.True: ignore = true; break;
                case JsonValueKind.False: break;
                default: issues.Fail(where + ": \"extra.ignore\" must be a number (0 or 1)"); return null;
            }
        }
        return BoxXyxy.FromXywh(v[0], v[1], v[2], v[3]);
    }

    private static bool TryPositiveInt(JsonElement e, string name, out int value)
    {
        value = 0;
        return e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetInt32(out value) && value > 0;
    }
}
