using Research.Core.Runtime;
using System.Globalization;
using System.Text.Json;
using static Research.Core.Evaluation.CocoJsonReading;

namespace Research.Core.Evaluation;

/// <summary>
/// Reads CrowdHuman detections in either form, told apart by the first character of the file: a COCO-style
/// results list <c>[{"image_id", "bbox": [x, y, w, h], "score", "category_id"}, ...]</c> (category_id is not read:
/// there is one class), or the official dt .odgt, one <c>{"ID", "dtboxes": [{"box": [x, y, w, h], "score",
/// "tag"}], "width"?, "height"?}</c> per line (tag is not read, as the official mode 0 does not). A COCO
/// image_id names the image by its ID: a string is the ID itself, an integer n the ID written as the decimal n
/// (numeric IDs such as "17"). Boxes need w, h ≥ 0 (the official tool would score a negative area).
/// </summary>
public static class CrowdHumanDetections
{
    /// <summary>Loads a results file. With <paramref name="groundTruth"/>, an unknown ID fails here, naming the line or element.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">Corrupt file, a missing/invalid field, a duplicate dt record or an unknown ID.</exception>
    public static CrowdHumanDetectionFile Load(string path, CrowdHumanGroundTruth? groundTruth = null)
    {
        var bytes = WithoutBom(ReadFile(path, "detections"));
        var first = bytes.IndexOfAnyExcept(" \t\r\n"u8);
        return first >= 0 && bytes[first] == (byte)'['
            ? new CrowdHumanDetectionFile(path, ParseResultsList(bytes, path, groundTruth), new Dictionary<string, (int?, int?)>())
            : LoadOdgt(path, groundTruth);
    }

    /// <summary>
    /// Writes a dt .odgt file, one <c>{"ID", "width", "height", "dtboxes": [{"box": [x, y, w, h], "score", "tag": 1}]}</c>
    /// line per record (the official dump's form; numbers in round-trip form, so <see cref="Load"/> reads back the same
    /// detections). Written to a temporary file and renamed.
    /// </summary>
    /// <exception cref="ArgumentException">Two records have the same ID, or a detection names another image.</exception>
    public static void SaveOdgt(string path, IEnumerable<CrowdHumanDtRecord> records)
    {
        var list = records.ToList();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in list)
        {
            if (!ids.Add(r.Id)) throw new ArgumentException($"two dt records have the ID '{r.Id}'", nameof(records));
            if (r.Detections.FirstOrDefault(d => d.ImageId != r.Id) is { ImageId: not null } other)
                throw new ArgumentException($"dt record '{r.Id}' holds a detection of image '{other.ImageId}'", nameof(records));
        }
        AtomicFile.Write(path, stream =>
        {
            foreach (var r in list)
            {
                using (var writer = new Utf8JsonWriter(stream))
                {
                    writer.WriteStartObject();
                    writer.WriteString("ID"u8, r.Id);
                    writer.WriteNumber("width"u8, r.Width);
                    writer.WriteNumber("height"u8, r.Height);
                    writer.WriteStartArray("dtboxes"u8);
                    foreach (var d in r.Detections)
                    {
                        writer.WriteStartObject();
                        writer.WriteStartArray("box"u8);
                        writer.WriteNumberValue(d.X);
                        writer.WriteNumberValue(d.Y);
                        writer.WriteNumberValue(d.Width);
                        writer.WriteNumberValue(d.Height);
                        writer.WriteEndArray();
                        writer.WriteNumber("score"u8, d.Score);
                        writer.WriteNumber("tag"u8, 1);
                        writer.WriteEndObject();
                    }
                    writer.WriteEndArray();
                    writer.WriteEndObject();
                }
                stream.WriteByte((byte)'\n');
            }
        });
    }

    private static CrowdHumanDetectionFile LoadOdgt(string path, CrowdHumanGroundTruth? groundTruth)
    {
        var detections = new List<CrowdHumanDetection>();
        var sizes = new Dictionary<string, (int?, int?)>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (line, record) in OdgtReading.Records(path, "detections"))
        {
            var id = OdgtReading.Id(record, path, line);
            // The official tool would keep only the last of two records (each load replaces dtboxes): refuse.
            if (!seen.TryAdd(id, line)) throw OdgtReading.Error(path, line, id, $"duplicate record (also line {seen[id]})");
            if (groundTruth is not null && groundTruth.IndexOf(id) < 0)
                throw OdgtReading.Error(path, line, id, $"ID not in the ground truth {groundTruth.Source}");
            int? width = OdgtReading.Size(record, "width", path, line, id), height = OdgtReading.Size(record, "height", path, line, id);
            if (width is not null || height is not null) sizes[id] = (width, height);
            var k = 0;
            foreach (var d in OdgtReading.Array(record, "dtboxes", path, line, id).EnumerateArray())
            {
                var where = $"dtboxes[{k++}]";
                if (d.ValueKind != JsonValueKind.Object) throw OdgtReading.Error(path, line, id, $"{where}: expected an object, found {OdgtReading.Describe(d)}");
                var (x, y, w, h) = OdgtReading.Box(d, "box", path, line, id, where, nonNegativeSize: true);
                detections.Add(new CrowdHumanDetection(id, x, y, w, h, OdgtReading.Number(d, "score", path, line, id, where)));
            }
        }
        return new CrowdHumanDetectionFile(path, detections, sizes);
    }

    private static List<CrowdHumanDetection> ParseResultsList(ReadOnlySpan<byte> bytes, string source, CrowdHumanGroundTruth? groundTruth)
    {
        try
        {
            return ParseArray(bytes, source, groundTruth);
        }
        catch (JsonException e)
        {
            throw SyntaxError(source, e);
        }
    }

    private static List<CrowdHumanDetection> ParseArray(ReadOnlySpan<byte> bytes, string source, CrowdHumanGroundTruth? groundTruth)
    {
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        Expect(ref reader, JsonTokenType.StartArray, source, new Element("top level", -1), "a json array of detections");
        var result = new List<CrowdHumanDetection>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var element = new Element("detections", result.Count);
            if (reader.TokenType != JsonTokenType.StartObject)
                throw Error(source, element, $"expected an object, found {Describe(reader.TokenType)}");
            string? imageId = null;
            double? score = null;
            (double X, double Y, double W, double H)? box = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("image_id"u8)) imageId = ReadImageId(ref reader, source, element);
                else if (reader.ValueTextEquals("bbox"u8)) box = ReadBox(ref reader, source, element);
                else if (reader.ValueTextEquals("score"u8)) score = ReadNumber(ref reader, source, element, "score");
                else reader.Skip();
            }
            if (imageId is null) throw Error(source, element, Missing("image_id"));
            if (box is not { } b) throw Error(source, element, Missing("bbox"));
            if (score is null) throw Error(source, element, Missing("score"));
            if (groundTruth is not null && groundTruth.IndexOf(imageId) < 0)
                throw Error(source, element, $"image_id {imageId} is not an ID of the ground truth {groundTruth.Source}");
            result.Add(new CrowdHumanDetection(imageId, b.X, b.Y, b.W, b.H, score.Value));
        }
        return result;
    }

    private static string ReadImageId(ref Utf8JsonReader reader, string source, Element element)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String) return reader.GetString()!;
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var n)) return n.ToString(CultureInfo.InvariantCulture);
        throw Error(source, element, $"'image_id' must be an image ID (a string, or an integer naming a numeric ID), found {Describe(ref reader)}");
    }
}
