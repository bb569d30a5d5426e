using System.Globalization;
using System.Text.Json;

namespace Research.Core.Evaluation;

/// <summary>
/// Reading CrowdHuman .odgt files (one JSON object per line, ground truth or detections). Every error is one
/// line naming the file and line number, and the record's ID once it is known. Blank lines are skipped (the
/// official tool fails on them).
/// </summary>
internal static class OdgtReading
{
    /// <summary>The non-blank lines of <paramref name="path"/>, each parsed as a JSON object, with 1-based line numbers.</summary>
    public static IEnumerable<(int Line, JsonElement Record)> Records(string path, string role)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{role} file '{path}' does not exist", path);
        IEnumerable<string> lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: cannot read {role} file: {e.Message}", e);
        }
        var n = 0;
        foreach (var text in lines)
        {
            n++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            using var document = Parse(text, path, n);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw Error(path, n, null, $"expected a JSON object, found {Describe(document.RootElement)}");
            yield return (n, document.RootElement);
        }
    }

    private static JsonDocument Parse(string text, string path, int line)
    {
        try
        {
            return JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw Error(path, line, null, $"corrupt JSON at byte {e.BytePositionInLine + 1}: {e.Message.Split('\n')[0].Split(" LineNumber:")[0].TrimEnd()}");
        }
    }

    /// <summary>The record's "ID": a required string.</summary>
    public static string Id(JsonElement record, string path, int line) =>
        record.TryGetProperty("ID", out var id)
            ? id.ValueKind == JsonValueKind.String ? id.GetString()! : throw Error(path, line, null, $"'ID' must be a string, found {Describe(id)}")
            : throw Error(path, line, null, "missing required field 'ID'");

    /// <summary>A required array field of the record.</summary>
    public static JsonElement Array(JsonElement record, string field, string path, int line, string id) =>
        record.TryGetProperty(field, out var value)
            ? value.ValueKind == JsonValueKind.Array ? value : throw Error(path, line, id, $"'{field}' must be an array, found {Describe(value)}")
            : throw Error(path, line, id, $"missing required field '{field}'");

    /// <summary>The optional record field "width" or "height": a positive integer, or null when absent.</summary>
    public static int? Size(JsonElement record, string field, string path, int line, string id)
    {
        if (!record.TryGetProperty(field, out var value)) return null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var v) && v >= 1 && v <= int.MaxValue && v == Math.Floor(v))
            return (int)v;
        throw Error(path, line, id, $"'{field}' must be a positive integer (pixels), found {Describe(value)}");
    }

    /// <summary>A finite number field of an object (<paramref name="where"/> names it, e.g. "dtboxes[3]").</summary>
    public static double Number(JsonElement obj, string field, string path, int line, string id, string where)
    {
        if (!obj.TryGetProperty(field, out var value)) throw Error(path, line, id, $"{where}: missing required field '{field}'");
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var v) && double.IsFinite(v)) return v;
        throw Error(path, line, id, $"{where}: '{field}' must be a finite number, found {Describe(value)}");
    }

    /// <summary>A box field <c>[x, y, w, h]</c>: exactly four finite numbers; w, h ≥ 0 when <paramref name="nonNegativeSize"/>.</summary>
    public static (double X, double Y, double W, double H) Box(JsonElement obj, string field, string path, int line, string id,
        string where, bool nonNegativeSize)
    {
        if (!obj.TryGetProperty(field, out var value)) throw Error(path, line, id, $"{where}: missing required field '{field}'");
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() != 4)
            throw Error(path, line, id, $"{where}: '{field}' must be an array of 4 numbers [x, y, w, h], found {Describe(value)}");
        Span<double> v = stackalloc double[4];
        var n = 0;
        foreach (var e in value.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out v[n]) || !double.IsFinite(v[n]))
                throw Error(path, line, id, $"{where}: '{field}' must hold finite numbers, found {Describe(e)}");
            n++;
        }
        if (nonNegativeSize && (v[2] < 0 || v[3] < 0))
            throw Error(path, line, id, $"{where}: '{field}' has a negative size (w = {v[2].ToString(CultureInfo.InvariantCulture)}, h = {v[3].ToString(CultureInfo.InvariantCulture)}); boxes are [x, y, w, h]");
        return (v[0], v[1], v[2], v[3]);
    }

    public static InvalidDataException Error(string path, int line, string? id, string message) =>
        new(id is null ? $"{path}: line {line}: {message}" : $"{path}: line {line} (ID {id}): {message}");

    public static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => $"an array of {e.GetArrayLength()}",
        JsonValueKind.String => $"string \"{e.GetString()}\"",
        JsonValueKind.Number => $"number {e.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
