namespace Research.Core.Data;

/// <summary>What to do with a bad image or annotation: skip it with a warning (counted), or stop.</summary>
public enum OnDataError
{
    /// <summary>Throw a <see cref="DatasetException"/> at the first problem.</summary>
    Fail,

    /// <summary>Drop the offending image or annotation, warn, count it in <see cref="CocoLoadReport"/>.</summary>
    Skip,
}

/// <summary>Options of <see cref="CocoDataset.Load"/>.</summary>
public sealed record CocoLoadOptions
{
    /// <summary>Skip bad entries with a warning, or fail (config `on_error: skip|fail`). Default fail.</summary>
    public OnDataError OnError { get; init; } = OnDataError.Fail;

    /// <summary>
    /// Read each image file's header (not its pixels) at load time to check it decodes and that its size
    /// matches the json (cvpods checks the size when it reads the image). Default true.
    /// </summary>
    public bool CheckImages { get; init; } = true;

    /// <summary>How far (pixels) a box may reach outside the image before it counts as an error. Default 1.</summary>
    public double OutsideTolerance { get; init; } = 1.0;

    /// <summary>Receives each warning line when skipping; default writes to standard error.</summary>
    public Action<string>? Warn { get; init; }
}

/// <summary>What the loader skipped (only non-empty with <see cref="OnDataError.Skip"/>).</summary>
/// <param name="SkippedImages">Images dropped (with their annotations).</param>
/// <param name="SkippedAnnotations">Annotations dropped on their own.</param>
/// <param name="Warnings">One line per dropped entry, naming the file and id.</param>
public sealed record CocoLoadReport(int SkippedImages, int SkippedAnnotations, IReadOnlyList<string> Warnings)
{
    /// <summary>A one-line summary, e.g. "skipped 1 image and 3 annotations of train.json".</summary>
    public string Summary(string file) =>
        SkippedImages == 0 && SkippedAnnotations == 0
            ? $"{file}: nothing skipped"
            : $"{file}: skipped {SkippedImages} image(s) and {SkippedAnnotations} annotation(s) (on_error: skip)";
}
