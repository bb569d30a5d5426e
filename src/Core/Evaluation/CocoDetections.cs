using Research.Core.Runtime;
using System.Runtime.CompilerServices;
using System.Text.Json;
using static Research.Core.Evaluation.CocoJsonReading;

namespace Research.Core.Evaluation;

/// <summary>
/// Reads and writes COCO results files: a json array of <c>{"image_id", "category_id", "bbox": [x, y, w, h],
/// "score"}</c>. Other fields (id, area, segmentation) are ignored, as pycocotools' <c>loadRes</c> overwrites them.
/// </summary>
public static class CocoDetections
{
    /// <summary>Loads a results file; the detections keep the file order (which breaks score ties).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">Corrupt json or a missing/invalid field; the message names the file and element.</exception>
    public static CocoDetection[] Load(string path) => Parse(ReadFile(path, "detections"), path);

    /// <summary>Parses a results json held in memory (UTF-8); <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">Corrupt json or a missing/invalid field.</exception>
    public static CocoDetection[] Parse(ReadOnlySpan<byte> utf8Json, string source = "detections")
    {
        try
        {
            return ParseArray(WithoutBom(utf8Json), source);
        }
        catch (JsonException e)
        {
            throw SyntaxError(source, e);
        }
    }

    /// <summary>
    /// Writes detections as a COCO results json array (numbers in round-trip form, so reading the file back
    /// evaluates identically). Written to a temporary file and renamed, so a reader never sees half a file.
    /// </summary>
    public static void Save(string path, IEnumerable<CocoDetection> detections)
    {
        AtomicFile.Write(path, stream =>
        {
            using var writer = new Utf8JsonWriter(stream);
            writer.WriteStartArray();
            foreach (var d in detections)
            {
                writer.WriteStartObject();
                writer.WriteNumber("image_id"u8, d.ImageId);
                writer.WriteNumber("category_id"u8, d.CategoryId);
                writer.WriteStartArray("bbox"u8);
                writer.WriteNumberValue(d.X);
                writer.WriteNumberValue(d.Y);
                writer.WriteNumberValue(d.Width);
                writer.WriteNumberValue(d.Height);
                writer.WriteEndArray();
                writer.WriteNumber("score"u8, d.Score);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: skip the slow tier-0 code of tiered JIT
    private static CocoDetection[] ParseArray(ReadOnlySpan<byte> bytes, string source)
    {
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        Expect(ref reader, JsonTokenType.StartArray, source, new Element("top level", -1), "a json array of detections");
        // Sized from a vectorised count of "score" keys, so 500k detections are not copied through List growth.
        var result = new CocoDetection[Math.Max(16, bytes.Count("\"score\""u8))];
        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var element = new Element("detections", count);
            if (reader.TokenType != JsonTokenType.StartObject)
                throw Error(source, element, $"expected an object, found {Describe(reader.TokenType)}");
            long? imageId = null, categoryId = null;
            double? score = null;
            (double X, double Y, double W, double H)? box = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("image_id"u8)) imageId = ReadInteger(ref reader, source, element, "image_id");
                else if (reader.ValueTextEquals("category_id"u8)) categoryId = ReadInteger(ref reader, source, element, "category_id");
                else if (reader.ValueTextEquals("bbox"u8)) box = ReadBox(ref reader, source, element);
                else if (reader.ValueTextEquals("score"u8)) score = ReadNumber(ref reader, source, element, "score");
                else reader.Skip();
            }
            if (imageId is null) throw Error(source, element, Missing("image_id"));
            if (categoryId is null) throw Error(source, element, Missing("category_id"));
            if (box is not { } b) throw Error(source, element, Missing("bbox"));
            if (score is null) throw Error(source, element, Missing("score"));
            if (count == result.Length) Array.Resize(ref result, result.Length * 2);
            result[count++] = new CocoDetection(imageId.Value, categoryId.Value, b.X, b.Y, b.W, b.H, score.Value);
        }
        if (count != result.Length) Array.Resize(ref result, count);
        return result;
    }
}
