namespace Research.Core.Evaluation;

/// <summary>
/// The command line behind <c>scripts/evaluate.fsx</c>: <c>GT.json DETS.json [--json]</c>. Kept in the library so
/// tests reach argument handling, output and exit codes; the script only forwards its arguments.
/// </summary>
public static class CocoEvaluateCommand
{
    /// <summary>Exit code for success.</summary>
    public const int Ok = 0;

    /// <summary>Exit code for bad arguments or unreadable/invalid input files.</summary>
    public const int UsageError = 2;

    /// <summary>The help text (--help).</summary>
    public const string Usage = """
        usage: dotnet fsi scripts/evaluate.fsx GT.json DETS.json [--json]

        COCO bbox evaluation with pycocotools' COCOeval semantics.
          GT.json     COCO instances file (images, annotations with bbox [x,y,w,h], area, iscrowd; categories)
          DETS.json   COCO results file: [{"image_id", "category_id", "bbox": [x,y,w,h], "score"}, ...]
          --json      print one JSON object {"stats": [12 numbers], "per_category_ap": {"id": ap}} instead of the table
          -h, --help  show this help (dotnet fsi takes --help for itself: write `evaluate.fsx -- --help`)
        Exit code 0 on success, 2 for bad arguments or files.
        """;

    /// <summary>
    /// Runs the command: the 12 stats as a table (or one JSON object with <c>--json</c>) on <paramref name="stdout"/>,
    /// errors and warnings as single lines on <paramref name="stderr"/>. Returns <see cref="Ok"/> or <see cref="UsageError"/>.
    /// </summary>
    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        args = args.Where(a => a != "--").ToArray(); // `fsi script.fsx -- --help` may pass the separator on
        if (args.Any(a => a is "-h" or "--help"))
        {
            stdout.WriteLine(Usage);
            return Ok;
        }
        var json = args.Contains("--json");
        var unknown = args.FirstOrDefault(a => a.StartsWith('-') && a != "--json");
        var files = args.Where(a => !a.StartsWith('-')).ToArray();
        if (args.Count == 0)
        {
            stderr.WriteLine(Usage);
            return UsageError;
        }
        if (unknown is not null || files.Length != 2)
        {
            stderr.WriteLine(unknown is not null
                ? $"error: unknown option '{unknown}'"
                : $"error: expected 2 files (GT.json DETS.json), got {files.Length}");
            stderr.WriteLine("usage: dotnet fsi scripts/evaluate.fsx GT.json DETS.json [--json]   (--help for more)");
            return UsageError;
        }

        CocoEvalResult result;
        try
        {
            result = CocoEvaluator.EvaluateFiles(files[0], files[1]);
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return UsageError;
        }

        if (result.DetectionsLeftOut > 0)
            stderr.WriteLine($"warning: {files[1]}: {result.DetectionsLeftOut} detections have a category_id not in {files[0]} and were left out (as pycocotools does)");
        if (result.AnnotationsLeftOut > 0)
            stderr.WriteLine($"warning: {files[0]}: {result.AnnotationsLeftOut} annotations name an image or category not listed in the file and were left out (as pycocotools does)");
        if (json)
        {
            stdout.WriteLine(result.ToJson());
        }
        else
        {
            stdout.WriteLine($"COCO bbox evaluation: {result.ImageCount} images, {result.CategoryIds.Count} categories, {result.DetectionsEvaluated} detections evaluated");
            stdout.Write(result.ToTable());
        }
        return Ok;
    }
}
