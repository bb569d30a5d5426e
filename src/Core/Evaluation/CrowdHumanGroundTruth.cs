using System.Text.Json;
using static Research.Core.Evaluation.OdgtReading;

namespace Research.Core.Evaluation;

/// <summary>
/// The ground truth of a CrowdHuman evaluation: the images in file order (the order that breaks score ties
/// across images) with their boxes in the chosen <see cref="CrowdHumanBoxMode"/>. Built from an .odgt file or in
/// memory. P, the number of positives, counts every box that is not <see cref="CrowdHumanGtKind.Ignore"/>.
/// </summary>
public sealed class CrowdHumanGroundTruth
{
    private readonly Dictionary<string, int> _index;
    private readonly int[]? _lines;

    /// <summary>Builds a ground truth in memory (e.g. from a synthetic set); IDs must be unique.</summary>
    /// <param name="images">Images in the order that breaks score ties.</param>
    /// <param name="source">Name used in messages.</param>
    /// <exception cref="InvalidDataException">A duplicate ID, a size below 1, or a non-finite box.</exception>
    public CrowdHumanGroundTruth(IEnumerable<CrowdHumanImage> images, string source = "ground truth")
        : this(images.ToArray(), source, null)
    {
    }

    private CrowdHumanGroundTruth(CrowdHumanImage[] images, string source, int[]? lines)
    {
        Source = source;
        Images = images;
        _lines = lines;
        _index = new Dictionary<string, int>(images.Length, StringComparer.Ordinal);
        for (var i = 0; i < images.Length; i++)
        {
            var image = images[i];
            if (!_index.TryAdd(image.Id, i))
                throw new InvalidDataException($"{Where(i)}: duplicate ID (also {Where(_index[image.Id])})");
            if (image.Width < 1 || image.Height < 1) throw new InvalidDataException($"{Where(i)}: width and height must be at least 1");
            foreach (var b in image.Boxes)
            {
                if (!double.IsFinite(b.X1) || !double.IsFinite(b.Y1) || !double.IsFinite(b.X2) || !double.IsFinite(b.Y2))
                    throw new InvalidDataException($"{Where(i)}: a box has a non-finite coordinate");
                if (b.Kind != CrowdHumanGtKind.Ignore) Positives++;
            }
        }
    }

    /// <summary>Where this ground truth came from (file path or a caller-given name), for messages.</summary>
    public string Source { get; }

    /// <summary>The images in file order.</summary>
    public IReadOnlyList<CrowdHumanImage> Images { get; }

    /// <summary>P: boxes that are not ignore regions (persons, and the rare "background" tag; the official Σ(_gtNum − _ignNum)).</summary>
    public int Positives { get; }

    /// <summary>Index of an image ID in <see cref="Images"/>, or −1.</summary>
    public int IndexOf(string id) => _index.TryGetValue(id, out var i) ? i : -1;

    /// <summary>Names image <paramref name="index"/> in messages: "FILE: line N (ID x)" or "SOURCE: images[i] (ID x)".</summary>
    public string Where(int index) =>
        _lines is null ? $"{Source}: images[{index}] (ID {Images[index].Id})" : $"{Source}: line {_lines[index]} (ID {Images[index].Id})";

    /// <summary>
    /// Loads a CrowdHuman .odgt file: per line <c>{"ID", "gtboxes": [{"tag", "fbox", "vbox", "extra": {"ignore"}}],
    /// "width", "height"}</c>. A box is ignored when its tag is not "person" or extra.ignore ≠ 0 (a number or a
    /// boolean); "background" is the official class 0 (<see cref="CrowdHumanGtKind.Background"/>). hbox, head_attr and
    /// the other extra keys are not read (the official tool requires hbox in every gtbox; we do not). Only the box of
    /// <paramref name="mode"/> is required. width/height are optional positive integers: the released files have none.
    /// </summary>
    /// <param name="path">The .odgt file.</param>
    /// <param name="mode">Full-body (fbox, official mode 0) or visible (vbox) boxes.</param>
    /// <param name="imageSizes">
    /// Sizes (width, height) of records without width/height, e.g. read from the image files; called once per such
    /// record, null when unknown. A record's own width/height win. An image with detections and no size fails at
    /// evaluation, naming its line.
    /// </param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">A malformed line; the message names the file, the line and the ID.</exception>
    public static CrowdHumanGroundTruth Load(string path, CrowdHumanBoxMode mode = CrowdHumanBoxMode.FullBody,
        Func<string, (int Width, int Height)?>? imageSizes = null)
    {
        var images = new List<CrowdHumanImage>();
        var lines = new List<int>();
        var boxField = mode == CrowdHumanBoxMode.FullBody ? "fbox" : "vbox";
        foreach (var (line, record) in Records(path, "ground-truth"))
        {
            var id = Id(record, path, line);
            int? width = Size(record, "width", path, line, id), height = Size(record, "height", path, line, id);
            if ((width is null || height is null) && imageSizes?.Invoke(id) is { } size)
            {
                width ??= size.Width;
                height ??= size.Height;
            }
            var gtboxes = Array(record, "gtboxes", path, line, id);
            var boxes = new CrowdHumanGtBox[gtboxes.GetArrayLength()];
            var k = 0;
            foreach (var b in gtboxes.EnumerateArray())
            {
                var where = $"gtboxes[{k}]";
                if (b.ValueKind != JsonValueKind.Object) throw Error(path, line, id, $"{where}: expected an object, found {Describe(b)}");
                var (x, y, w, h) = Box(b, boxField, path, line, id, where, nonNegativeSize: false);
                boxes[k++] = CrowdHumanGtBox.FromXywh(x, y, w, h, Kind(b, path, line, id, where));
            }
            images.Add(new CrowdHumanImage(id, width, height, boxes));
            lines.Add(line);
        }
        return new CrowdHumanGroundTruth(images.ToArray(), path, lines.ToArray());
    }

    // load_gt_boxes: PERSON_CLASSES.index(tag) for 'background'/'person', else −1; extra.ignore != 0 → −1.
    private static CrowdHumanGtKind Kind(JsonElement box, string path, int line, string id, string where)
    {
        if (!box.TryGetProperty("tag", out var tag)) throw Error(path, line, id, $"{where}: missing required field 'tag'");
        if (tag.ValueKind != JsonValueKind.String) throw Error(path, line, id, $"{where}: 'tag' must be a string, found {Describe(tag)}");
        var kind = tag.GetString() switch
        {
            "person" => CrowdHumanGtKind.Person,
            "background" => CrowdHumanGtKind.Background,
            _ => CrowdHumanGtKind.Ignore,
        };
        if (!box.TryGetProperty("extra", out var extra)) return kind;
        if (extra.ValueKind != JsonValueKind.Object) throw Error(path, line, id, $"{where}: 'extra' must be an object, found {Describe(extra)}");
        if (!extra.TryGetProperty("ignore", out var ignore)) return kind;
        var ignored = ignore.ValueKind switch
        {
            JsonValueKind.Number => ignore.GetDouble() != 0,
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error(path, line, id, $"{where}: 'extra.ignore' must be a number or a boolean, found {Describe(ignore)}"),
        };
        return ignored ? CrowdHumanGtKind.Ignore : kind;
    }
}
