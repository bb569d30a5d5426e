namespace Research.Core.Data;

/// <summary>
/// The skip-or-fail bookkeeping of a dataset reader (COCO json, CrowdHuman odgt): in fail mode the first
/// problem throws a one-line <see cref="DatasetException"/> prefixed by the file; in skip mode it is warned,
/// kept in <see cref="Warnings"/> and counted.
/// </summary>
internal sealed class LoadIssues(string file, OnDataError onError, Action<string>? warn)
{
    /// <summary>The annotation file every message starts with.</summary>
    public string File { get; } = file;

    /// <summary>One line per dropped entry, in reading order.</summary>
    public List<string> Warnings { get; } = new();

    /// <summary>Ids of images dropped after their id was known (their annotations go with them, silently).</summary>
    public HashSet<long> SkippedImageIds { get; } = new();

    /// <summary>Images dropped.</summary>
    public int SkippedImages { get; private set; }

    /// <summary>Annotations dropped on their own.</summary>
    public int SkippedAnnotations { get; private set; }

    /// <summary>An error that no policy can skip (it would change the meaning of the rest of the file).</summary>
    public DatasetException Fatal(string what) => new($"{File}: {what}");

    /// <summary>An annotation is dropped (or the load fails).</summary>
    public void Fail(string what)
    {
        Record(what);
        SkippedAnnotations++;
    }

    /// <summary>An image is dropped with its annotations (id null: the image was never valid).</summary>
    public void FailImage(string what, long? imageId)
    {
        Record(what);
        SkippedImages++;
        if (imageId is { } id) SkippedImageIds.Add(id);
    }

    /// <summary>What was skipped, and the summary line on the warning channel when anything was.</summary>
    public CocoLoadReport Report()
    {
        var report = new CocoLoadReport(SkippedImages, SkippedAnnotations, Warnings);
        if (Warnings.Count > 0) Emit(report.Summary(File));
        return report;
    }

    private void Record(string what)
    {
        var message = $"{File}: {what}";
        if (onError == OnDataError.Fail) throw new DatasetException(message);
        Warnings.Add(message);
        Emit("warning: " + message);
    }

    private void Emit(string line)
    {
        if (warn != null) warn(line);
        else Console.Error.WriteLine(line);
    }
}
