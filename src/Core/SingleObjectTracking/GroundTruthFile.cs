using Research.Core.Runtime;
using Research.Core.Data;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Research.Core.Data.Crops;

namespace Research.Core.SingleObjectTracking;

/// <summary>
/// The per-frame box file of a sequence: one line per frame, "x,y,w,h" (top-left corner, width, height in
/// pixels), separated by commas, tabs or spaces as OTB, LaSOT and GOT-10k files are. Coordinates are
/// continuous with the frame's top-left corner at (0, 0). Lines are frames in order; blank lines are allowed
/// only at the end of the file. Every box must have w &gt; 0 and h &gt; 0.
/// </summary>
public static partial class GroundTruthFile
{
    [GeneratedRegex(@"[,\s]+")]
    private static partial Regex Separators();

    /// <summary>Reads the boxes (XYXY) of a file; errors name the file and the 1-based line.</summary>
    public static IReadOnlyList<BoxXyxy> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"ground truth file not found: {path}", path);
        return Parse(File.ReadAllLines(path), path);
    }

    /// <summary>Parses lines of a ground-truth file; source names the file in error messages.</summary>
    public static IReadOnlyList<BoxXyxy> Parse(IReadOnlyList<string> lines, string source)
    {
        var last = lines.Count;
        while (last > 0 && string.IsNullOrWhiteSpace(lines[last - 1])) last--;
        var boxes = new List<BoxXyxy>(last);
        for (var i = 0; i < last; i++)
        {
            var line = lines[i].Trim();
            var where = $"{source}:{i + 1}";
            if (line.Length == 0) throw new InvalidDataException($"{where}: empty line inside the ground truth (one x,y,w,h line per frame expected)");
            var parts = Separators().Split(line);
            if (parts.Length == 8)
                throw new InvalidDataException($"{where}: 8 values (a VOT polygon?) — expected 4 values x,y,w,h, got '{line}'");
            if (parts.Length != 4)
                throw new InvalidDataException($"{where}: expected 4 values x,y,w,h separated by commas, tabs or spaces, got {parts.Length} in '{line}'");
            var v = new double[4];
            for (var k = 0; k < 4; k++)
                if (!double.TryParse(parts[k], NumberStyles.Float, CultureInfo.InvariantCulture, out v[k]) || !double.IsFinite(v[k]))
                    throw new InvalidDataException($"{where}: value {k + 1} '{parts[k]}' is not a finite number in '{line}'");
            if (!(v[2] > 0 && v[3] > 0))
                throw new InvalidDataException($"{where}: box width and height must be > 0, got w = {parts[2]}, h = {parts[3]}");
            boxes.Add(BoxXyxy.FromXywh(v[0], v[1], v[2], v[3]));
        }
        return boxes;
    }

    /// <summary>Writes boxes as "x,y,w,h" lines (round-trip precision, invariant culture), atomically.</summary>
    public static void Write(string path, IEnumerable<BoxXyxy> boxes)
    {
        var text = new StringBuilder();
        foreach (var b in boxes) text.Append(Format(b)).Append('\n');
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        AtomicFile.WriteAllText(path, text.ToString());
    }

    /// <summary>One box as an "x,y,w,h" line (no newline).</summary>
    public static string Format(BoxXyxy b) =>
        string.Join(",", new[] { b.X1, b.Y1, b.Width, b.Height }.Select(x => x.ToString("R", CultureInfo.InvariantCulture)));
}
