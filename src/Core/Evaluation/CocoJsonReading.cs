using System.Buffers;
using System.Text.Json;

namespace Research.Core.Evaluation;

/// <summary>
/// Streaming helpers over <see cref="Utf8JsonReader"/> for COCO files: only the fields the evaluator needs are
/// materialised (a 400 MB instances file with segmentations is skipped through, not built as a DOM). Every
/// error is one line naming the file and the element (<c>annotations[12]</c>) and, for syntax errors, the line.
/// </summary>
internal static class CocoJsonReading
{
    /// <summary>Names an element of a list (<c>annotations[12] (id 57)</c>) without allocating a string unless an error is raised.</summary>
    public readonly record struct Element(string List, int Index, long? Id = null)
    {
        public override string ToString() => Index < 0 ? List : Id is { } id ? $"{List}[{Index}] (id {id})" : $"{List}[{Index}]";
    }

    /// <summary>Reads a whole file, turning a missing/unreadable file into one clear line.</summary>
    public static byte[] ReadFile(string path, string role)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{role} file '{path}' does not exist", path);
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: cannot read {role} file: {e.Message}", e);
        }
    }

    /// <summary>Skips a UTF-8 byte order mark, which <see cref="Utf8JsonReader"/> would reject.</summary>
    public static ReadOnlySpan<byte> WithoutBom(ReadOnlySpan<byte> utf8) =>
        utf8.Length >= 3 && utf8[0] == 0xEF && utf8[1] == 0xBB && utf8[2] == 0xBF ? utf8[3..] : utf8;

    /// <summary>Turns a syntax error of the reader into one line with file, line and byte position.</summary>
    public static InvalidDataException SyntaxError(string source, JsonException e)
    {
        var where = e.LineNumber is { } line ? $" at line {line + 1}, byte {e.BytePositionInLine + 1}" : "";
        var message = e.Message.Split('\n')[0].Split(" LineNumber:")[0].TrimEnd();
        return new InvalidDataException($"{source}: corrupt or truncated JSON{where}: {message}", e);
    }

    public static InvalidDataException Error(string source, Element element, string message) =>
        new($"{source}: {element}: {message}");

    public static InvalidDataException Error(string source, string element, string message) =>
        new($"{source}: {element}: {message}");

    public static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string source, Element element, string what)
    {
        if (!reader.Read()) throw Error(source, element, $"unexpected end of file, expected {what}");
        if (reader.TokenType != type) throw Error(source, element, $"expected {what}, found {Describe(reader.TokenType)}");
    }

    public static long ReadInteger(ref Utf8JsonReader reader, string source, Element element, string field)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var value))
            throw Error(source, element, $"'{field}' must be an integer, found {Describe(ref reader)}");
        return value;
    }

    public static double ReadNumber(ref Utf8JsonReader reader, string source, Element element, string field)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out var value) || !double.IsFinite(value))
            throw Error(source, element, $"'{field}' must be a finite number, found {Describe(ref reader)}");
        return value;
    }

    /// <summary>iscrowd as pycocotools reads it: a number (non-zero = crowd) or a boolean.</summary>
    public static bool ReadCrowd(ref Utf8JsonReader reader, string source, Element element)
    {
        reader.Read();
        return reader.TokenType switch
        {
            JsonTokenType.True => true,
            JsonTokenType.False => false,
            JsonTokenType.Number when reader.TryGetDouble(out var v) => v != 0,
            _ => throw Error(source, element, $"'iscrowd' must be 0/1 or a boolean, found {Describe(ref reader)}"),
        };
    }

    /// <summary>Reads <c>[x, y, w, h]</c>: exactly four finite numbers, width and height ≥ 0.</summary>
    public static (double X, double Y, double W, double H) ReadBox(ref Utf8JsonReader reader, string source, Element element)
    {
        Expect(ref reader, JsonTokenType.StartArray, source, element, "'bbox' as an array [x, y, w, h]");
        Span<double> v = stackalloc double[4];
        var n = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out var x) || !double.IsFinite(x))
                throw Error(source, element, $"'bbox' must hold finite numbers, found {Describe(ref reader)}");
            if (n < 4) v[n] = x;
            n++;
        }
        if (n != 4) throw Error(source, element, $"'bbox' must have 4 numbers [x, y, w, h], found {n}");
        if (v[2] < 0 || v[3] < 0)
            throw Error(source, element, $"'bbox' has a negative size (w = {v[2]}, h = {v[3]}); COCO boxes are [x, y, w, h]");
        return (v[0], v[1], v[2], v[3]);
    }

    public static string Describe(ref Utf8JsonReader reader) =>
        reader.TokenType is JsonTokenType.Number or JsonTokenType.String
            ? $"{Describe(reader.TokenType)} {System.Text.Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan.ToArray())}"
            : Describe(reader.TokenType);

    public static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => type.ToString(),
    };

    public static string Missing(string field) => $"missing required field '{field}'";
}
