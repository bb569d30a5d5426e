using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Research.Core.Mlflow;

/// <summary>
/// The flat YAML of MLflow's <c>meta.yaml</c> files. MLflow parses them as real YAML and value types matter
/// (notes/mlflow-formats.md, "More reader facts"): ints are written plain, every string quoted so YAML cannot
/// read it as a number, boolean or null, <c>null</c> plain, empty lists as <c>[]</c>. The reader accepts what
/// the MLflow server writes too (plain, single- and double-quoted scalars, folded continuation lines,
/// comments, CRLF) and returns <see cref="long"/>, <see cref="double"/>, <see cref="bool"/>, <see cref="string"/>,
/// <see cref="EmptyCollection"/> or null values.
/// </summary>
public static partial class MetaYaml
{
    /// <summary>The value of <c>[]</c> or <c>{}</c>, or of a key followed by an indented block.</summary>
    public sealed class EmptyCollection
    {
        /// <summary>The single instance.</summary>
        public static readonly EmptyCollection Instance = new();
        private EmptyCollection() { }
    }

    /// <summary>Writes <paramref name="entries"/> in the given order; values must be null, long, int, string or <see cref="EmptyCollection"/>.</summary>
    public static string Write(IEnumerable<KeyValuePair<string, object?>> entries)
    {
        var sb = new StringBuilder();
        foreach (var (key, value) in entries)
        {
            sb.Append(key).Append(": ");
            sb.Append(value switch
            {
                null => "null",
                long l => l.ToString(CultureInfo.InvariantCulture),
                int i => i.ToString(CultureInfo.InvariantCulture),
                string s => Quote(s),
                EmptyCollection => "[]",
                _ => throw new ArgumentException($"meta.yaml value of '{key}' has unsupported type {value.GetType().Name}"),
            });
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Quotes a string for YAML: single quotes, or double quotes with escapes when it holds characters YAML cannot carry verbatim.</summary>
    public static string Quote(string s)
    {
        if (!s.Any(NeedsEscape)) return "'" + s.Replace("'", "''") + "'";
        var sb = new StringBuilder("\"");
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { sb.Append(c).Append(s[++i]); continue; }
            if (c == '"') sb.Append("\\\"");
            else if (c == '\\') sb.Append("\\\\");
            else if (c == '\n') sb.Append("\\n");
            else if (c == '\t') sb.Append("\\t");
            else if (c == '\r') sb.Append("\\r");
            else if (NeedsEscape(c)) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
        return sb.Append('"').ToString();
    }

    // PyYAML refuses a stream holding characters outside its printable set; those go escaped.
    private static bool NeedsEscape(char c) =>
        c < 0x20 || (c >= 0x7F && c <= 0x9F && c != 0x85) || c == '\uFFFE' || c == '\uFFFF' || char.IsSurrogate(c);

    /// <summary>Parses a flat YAML mapping. Throws <see cref="FormatException"/> with the line number on malformed input.</summary>
    public static Dictionary<string, object?> Read(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        var i = 0;
        while (i < lines.Length)
        {
            var line = lines[i];
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#') || line == "---") { i++; continue; }
            if (char.IsWhiteSpace(line[0])) throw new FormatException($"line {i + 1}: unexpected indentation");
            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            var key = colon >= 0 ? line[..colon] : line.EndsWith(':') ? line[..^1] : throw new FormatException($"line {i + 1}: expected 'key: value'");
            var rest = colon >= 0 ? line[(colon + 2)..] : "";
            // Continuation lines: indented lines after the key belong to its value.
            var start = i++;
            var continuation = new List<string>();
            while (i < lines.Length && (lines[i].Length == 0 || char.IsWhiteSpace(lines[i][0])) && !IsLastBlank(lines, i)) continuation.Add(lines[i++]);
            if (result.ContainsKey(key)) throw new FormatException($"line {start + 1}: duplicate key '{key}'");
            result[key] = ParseValue(rest.Trim(), continuation, start + 1);
        }
        return result;
    }

    private static bool IsLastBlank(string[] lines, int i)
    {
        for (var j = i; j < lines.Length; j++) if (lines[j].Trim().Length > 0) return false;
        return true;
    }

    private static object? ParseValue(string first, List<string> continuation, int lineNo)
    {
        if (first.Length == 0)
            return continuation.Any(l => l.Trim().Length > 0) ? EmptyCollection.Instance : null;
        if (first[0] == '\'' || first[0] == '"')
        {
            var raw = Fold(first, continuation);
            return first[0] == '\'' ? ParseSingleQuoted(raw, lineNo) : ParseDoubleQuoted(raw, lineNo);
        }
        var plain = Fold(StripComment(first), continuation.Select(StripComment).ToList()).Trim();
        return ResolvePlain(plain, lineNo);
    }

    // YAML line folding: one line break becomes a space, an empty line a newline.
    private static string Fold(string first, List<string> continuation)
    {
        var sb = new StringBuilder(first.TrimEnd());
        var pendingNewlines = 0;
        foreach (var c in continuation)
        {
            var t = c.Trim();
            if (t.Length == 0) { pendingNewlines++; continue; }
            sb.Append(pendingNewlines > 0 ? new string('\n', pendingNewlines) : " ").Append(t);
            pendingNewlines = 0;
        }
        return sb.ToString();
    }

    private static string StripComment(string s)
    {
        var k = s.IndexOf(" #", StringComparison.Ordinal);
        return k >= 0 ? s[..k] : s;
    }

    private static string ParseSingleQuoted(string raw, int lineNo)
    {
        var sb = new StringBuilder();
        for (var i = 1; i < raw.Length; i++)
        {
            if (raw[i] != '\'') { sb.Append(raw[i]); continue; }
            if (i + 1 < raw.Length && raw[i + 1] == '\'') { sb.Append('\''); i++; continue; }
            if (StripComment(raw[(i + 1)..]).Trim().Length != 0) throw new FormatException($"line {lineNo}: text after a quoted value");
            return sb.ToString();
        }
        throw new FormatException($"line {lineNo}: unterminated single-quoted value");
    }

    private static string ParseDoubleQuoted(string raw, int lineNo)
    {
        var sb = new StringBuilder();
        for (var i = 1; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c == '"')
            {
                if (StripComment(raw[(i + 1)..]).Trim().Length != 0) throw new FormatException($"line {lineNo}: text after a quoted value");
                return sb.ToString();
            }
            if (c != '\\') { sb.Append(c); continue; }
            if (++i >= raw.Length) break;
            switch (raw[i])
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case '0': sb.Append('\0'); break;
                case '"': sb.Append('"'); break;
                case '\\': sb.Append('\\'); break;
                case '/': sb.Append('/'); break;
                case ' ': sb.Append(' '); break;
                case 'x': sb.Append((char)Convert.ToInt32(raw.Substring(i + 1, 2), 16)); i += 2; break;
                case 'u': sb.Append((char)Convert.ToInt32(raw.Substring(i + 1, 4), 16)); i += 4; break;
                case 'U': sb.Append(char.ConvertFromUtf32(Convert.ToInt32(raw.Substring(i + 1, 8), 16))); i += 8; break;
                default: throw new FormatException($"line {lineNo}: unknown escape '\\{raw[i]}'");
            }
        }
        throw new FormatException($"line {lineNo}: unterminated double-quoted value");
    }

    [GeneratedRegex(@"^[-+]?(0|[1-9][0-9_]*)$")]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+][0-9]+)?$")]
    private static partial Regex FloatPattern();

    private static object? ResolvePlain(string s, int lineNo)
    {
        if (s is "" or "~" or "null" or "Null" or "NULL") return null;
        if (s is "[]" or "{}") return EmptyCollection.Instance;
        if (s is "true" or "True" or "TRUE" or "yes" or "Yes" or "on" or "On") return true;
        if (s is "false" or "False" or "FALSE" or "no" or "No" or "off" or "Off") return false;
        if (IntPattern().IsMatch(s)) return long.Parse(s.Replace("_", ""), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        if (FloatPattern().IsMatch(s)) return double.Parse(s.Replace("_", ""), NumberStyles.Float, CultureInfo.InvariantCulture);
        if (s.Contains(": ", StringComparison.Ordinal) || s.StartsWith('[') || s.StartsWith('{') || s.StartsWith('&') || s.StartsWith('*'))
            throw new FormatException($"line {lineNo}: value '{s}' is not a plain scalar");
        return s;
    }
}
