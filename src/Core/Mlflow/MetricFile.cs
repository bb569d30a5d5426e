using Research.Core.Runtime;
using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Research.Core.Mlflow;

/// <summary>
/// One metric file of the file store (<c>metrics/&lt;key&gt;</c>): a line <c>"&lt;timestamp_ms&gt; &lt;value&gt; &lt;step&gt;"</c>
/// per point, values in Python float text (<c>1.0</c>, <c>nan</c>, <c>inf</c>, <c>1e+308</c>).
/// <para>
/// Appends must survive a kill at any point, and the file is append-only, so rewriting it (temp + rename)
/// per point would cost O(n²). Linux can cut a <c>write</c> short on SIGKILL only at a page boundary, so the
/// writer keeps every line inside one page: lines are <em>separated</em> (not terminated) by <c>\n</c>, and
/// when the next <c>"\n" + line</c> would cross a boundary, the current page is first filled with spaces,
/// which extend the previous line (MLflow strips each line before splitting it). Any prefix of the file cut
/// at a page boundary therefore ends in a complete line. The first version of a file is created by
/// temp + rename, so an empty metric file (which MLflow rejects) never exists. Closing the file (the run
/// ended) adds the final <c>\n</c>.
/// </para>
/// </summary>
public sealed class MetricFile : IDisposable
{
    private static readonly int PageSize = Math.Max(4096, Environment.SystemPageSize);
    private readonly string _path;
    private readonly string _tempDirectory;
    private SafeFileHandle? _handle;
    private long _length;

    /// <summary>Opens (lazily creates) the metric file at <paramref name="path"/>; temporaries go to <paramref name="tempDirectory"/>.</summary>
    public MetricFile(string path, string tempDirectory)
    {
        _path = path;
        _tempDirectory = tempDirectory;
    }

    /// <summary>Appends points in the given order with one <c>write</c> call (see the class remarks).</summary>
    public void Append(IReadOnlyList<MetricPoint> points)
    {
        if (points.Count == 0) return;
        if (_handle is null) Open(points);
        else
        {
            var bytes = Layout(points, _length, separateFirst: true);
            RandomAccess.Write(_handle, bytes, _length);
            _length += bytes.Length;
        }
    }

    private void Open(IReadOnlyList<MetricPoint> points)
    {
        if (!File.Exists(_path))
        {
            var bytes = Layout(points, 0, separateFirst: false);
            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
            AtomicFile.WriteAllBytes(_path, bytes, _tempDirectory);
            _handle = File.OpenHandle(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            _length = bytes.Length;
            return;
        }
        // An existing file (a resumed run, or one the MLflow server appended to) may end with "\n": rewrite it
        // once without the terminator, atomically, so the padding rule holds from here on.
        var existing = File.ReadAllBytes(_path);
        var end = existing.Length;
        while (end > 0 && (existing[end - 1] is (byte)'\n' or (byte)'\r' or (byte)' ')) end--;
        var merged = new List<byte>(existing.AsSpan(0, end).ToArray());
        merged.AddRange(Layout(points, end, separateFirst: end > 0));
        AtomicFile.WriteAllBytes(_path, merged.ToArray(), _tempDirectory);
        _handle = File.OpenHandle(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        _length = merged.Count;
    }

    /// <summary>The bytes appended at file offset <paramref name="position"/>, padded so no line crosses a page boundary.</summary>
    internal static byte[] Layout(IReadOnlyList<MetricPoint> points, long position, bool separateFirst)
    {
        var buffer = new List<byte>(points.Count * 32);
        var pos = position;
        var separate = separateFirst;
        foreach (var p in points)
        {
            var chunk = Encoding.ASCII.GetBytes((separate ? "\n" : "") + FormatLine(p));
            var inPage = (int)(pos % PageSize);
            if (separate && inPage != 0 && inPage + chunk.Length > PageSize)
            {
                var pad = PageSize - inPage;
                for (var i = 0; i < pad; i++) buffer.Add((byte)' ');
                pos += pad;
            }
            buffer.AddRange(chunk);
            pos += chunk.Length;
            separate = true;
        }
        return buffer.ToArray();
    }

    /// <summary>The text line of a point: <c>timestamp value step</c> separated by single spaces.</summary>
    public static string FormatLine(MetricPoint p) =>
        string.Create(CultureInfo.InvariantCulture, $"{p.TimestampMs} {FormatValue(p.Value)} {p.Step}");

    /// <summary>A double as Python's <c>repr(float)</c> writes it (<c>1.0</c>, <c>0.5</c>, <c>1e+308</c>, <c>nan</c>, <c>-inf</c>).</summary>
    public static string FormatValue(double v)
    {
        if (double.IsNaN(v)) return "nan";
        if (double.IsPositiveInfinity(v)) return "inf";
        if (double.IsNegativeInfinity(v)) return "-inf";
        // Shortest round-trip digits, laid out by Python's rule: fixed notation when the decimal point
        // position (value = 0.DIGITS × 10^decpt) is in (-4, 16], otherwise exponent notation.
        var r = Math.Abs(v).ToString("R", CultureInfo.InvariantCulture);
        var exp = 0;
        var e = r.IndexOf('E');
        if (e >= 0)
        {
            exp = int.Parse(r[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..e];
        }
        var dot = r.IndexOf('.');
        var intPart = dot < 0 ? r : r[..dot];
        var digits = intPart + (dot < 0 ? "" : r[(dot + 1)..]);
        var decpt = intPart.Length + exp;
        var lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0') lead++;
        digits = digits[lead..].TrimEnd('0');
        decpt -= lead;
        if (digits.Length == 0) { digits = "0"; decpt = 1; }
        var sign = double.IsNegative(v) ? "-" : "";
        if (decpt > -4 && decpt <= 16)
        {
            if (decpt <= 0) return sign + "0." + new string('0', -decpt) + digits;
            if (decpt >= digits.Length) return sign + digits + new string('0', decpt - digits.Length) + ".0";
            return sign + digits[..decpt] + "." + digits[decpt..];
        }
        var mantissa = digits.Length > 1 ? digits[0] + "." + digits[1..] : digits;
        var exponent = decpt - 1;
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Parses a metric file's text the way MLflow does: each line stripped, then exactly 2 or 3 fields separated
    /// by single spaces (2 fields: step 0), integer timestamp and step, a Python float value. An empty file or a
    /// bad line is an error naming <paramref name="file"/> and the line.
    /// </summary>
    public static List<MetricPoint> Parse(string text, string key, string file)
    {
        var points = new List<MetricPoint>();
        if (text.Length == 0) throw new TrackingException($"Metric '{key}' is malformed. No data found. ({file})");
        var lines = text.Split('\n');
        var count = lines[^1].Length == 0 ? lines.Length - 1 : lines.Length; // a terminating "\n" ends the last line
        for (var lineNo = 1; lineNo <= count; lineNo++)
        {
            var line = lines[lineNo - 1].Trim();
            var fields = line.Split(' ');
            if (fields.Length is not (2 or 3))
                throw new TrackingException($"Metric '{key}' is malformed; persisted metric data contained {fields.Length} fields. Expected 2 or 3 fields. ({file}, line {lineNo})");
            if (!long.TryParse(fields[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ts)
                || !TryParseValue(fields[1], out var value)
                || !long.TryParse(fields.Length == 3 ? fields[2] : "0", NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var step))
                throw new TrackingException($"Metric '{key}' is malformed: line {lineNo} of {file} is '{line}'.");
            points.Add(new MetricPoint(key, value, ts, step));
        }
        if (points.Count == 0) throw new TrackingException($"Metric '{key}' is malformed. No data found. ({file})");
        return points;
    }

    private static bool TryParseValue(string s, out double value)
    {
        switch (s.ToLowerInvariant())
        {
            case "nan" or "+nan" or "-nan": value = double.NaN; return true;
            case "inf" or "+inf" or "infinity" or "+infinity": value = double.PositiveInfinity; return true;
            case "-inf" or "-infinity": value = double.NegativeInfinity; return true;
        }
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>
    /// Terminates the last line with <c>\n</c> (one byte, so a kill cannot cut it), leaving the file as MLflow
    /// itself writes it, so MLflow's own client could append to it later; then closes the handle.
    /// </summary>
    public void Dispose()
    {
        if (_handle is not null && _length > 0)
        {
            try { RandomAccess.Write(_handle, "\n"u8, _length); }
            catch (IOException) { /* the file stays valid without it */ }
        }
        _handle?.Dispose();
        _handle = null;
    }
}
