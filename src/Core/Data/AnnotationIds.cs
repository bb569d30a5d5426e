using System.Text.Json;

namespace Research.Core.Data;

/// <summary>
/// The one check that the annotation ids of a COCO file are unique, shared by the training reader
/// (<see cref="CocoDataset"/>) and the evaluator's (<c>Evaluation.CocoGroundTruth</c>). pycocotools keeps only the
/// last annotation of a repeated id (<c>anns[id]</c>) and evaluates it twice, so a repeat is refused, naming both
/// annotations: their index in the <c>annotations</c> array, their image id and, when the file's bytes are at hand,
/// their line in the file. The line numbers are looked up only when a repeat is found.
/// </summary>
internal sealed class AnnotationIds(int capacity = 0)
{
    private readonly Dictionary<long, (int Index, long ImageId)> _first = new(capacity);

    /// <summary>
    /// Records the annotation at <paramref name="index"/> of the <c>annotations</c> array; returns the earlier one
    /// with the same id, or null when the id is new.
    /// </summary>
    public (int Index, long ImageId)? Add(long id, int index, long imageId)
    {
        if (_first.TryAdd(id, (index, imageId))) return null;
        return _first[id];
    }

    /// <summary>
    /// The refusal text (one line, without the file prefix), e.g. <c>duplicate annotation id 11: annotations[3]
    /// (image id 2, line 41) repeats annotations[1] (image id 1, line 20)</c>. <paramref name="json"/> is the file's
    /// UTF-8 text, or empty when there is none (in-memory annotations): then no lines are given.
    /// </summary>
    public static string Duplicate(long id, (int Index, long ImageId) first, (int Index, long ImageId) second, ReadOnlySpan<byte> json)
    {
        var lines = json.IsEmpty ? null : LinesOfAnnotations(json, first.Index, second.Index);
        string Describe((int Index, long ImageId) a, int? line) =>
            $"annotations[{a.Index}] (image id {a.ImageId}{(line is { } l ? $", line {l}" : "")})";
        return $"duplicate annotation id {id}: {Describe(second, lines?.Second)} repeats {Describe(first, lines?.First)}; " +
               "ids must be unique (pycocotools would keep only the last one)";
    }

    /// <summary>The 1-based lines where elements <paramref name="a"/> and <paramref name="b"/> of the top-level
    /// <c>annotations</c> array start, or null when the text cannot be walked that far.</summary>
    private static (int First, int Second)? LinesOfAnnotations(ReadOnlySpan<byte> json, int a, int b)
    {
        if (json.Length >= 3 && json[0] == 0xEF && json[1] == 0xBB && json[2] == 0xBF) json = json[3..];
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!reader.ValueTextEquals("annotations"u8)) { reader.Skip(); continue; }
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray) return null;
                long startA = -1, startB = -1;
                for (var i = 0; reader.Read() && reader.TokenType != JsonTokenType.EndArray; i++)
                {
                    if (i == a) startA = reader.TokenStartIndex;
                    if (i == b) startB = reader.TokenStartIndex;
                    if (startA >= 0 && startB >= 0) return (LineAt(json, startA), LineAt(json, startB));
                    reader.Skip();
                }
                return null;
            }
        }
        catch (JsonException)
        {
            // The caller reports the duplicate without lines.
        }
        return null;
    }

    private static int LineAt(ReadOnlySpan<byte> json, long offset) => json[..(int)offset].Count((byte)'\n') + 1;
}
