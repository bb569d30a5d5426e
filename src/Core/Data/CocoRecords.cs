namespace Research.Core.Data;

/// <summary>A COCO category with its contiguous class index (rank of its id among all category ids).</summary>
/// <param name="Id">The category id of the json file.</param>
/// <param name="Name">The category name.</param>
/// <param name="Class">Contiguous class index 0..K−1 used inside the model.</param>
public sealed record CocoCategory(long Id, string Name, int Class);

/// <summary>
/// One COCO annotation as stored (XYWH in the original image frame), with its contiguous class.
/// </summary>
/// <param name="Id">Annotation id.</param>
/// <param name="ImageId">Id of the image it belongs to.</param>
/// <param name="CategoryId">Category id of the json file.</param>
/// <param name="Class">Contiguous class index 0..K−1.</param>
/// <param name="X">Left edge, pixels.</param>
/// <param name="Y">Top edge, pixels.</param>
/// <param name="Width">Box width, pixels (positive).</param>
/// <param name="Height">Box height, pixels (positive).</param>
/// <param name="Area">The `area` field (box area when absent): COCO evaluation's area ranges use it.</param>
/// <param name="IsCrowd">`iscrowd`: left out of training targets, kept for evaluation.</param>
public sealed record CocoAnnotation(long Id, long ImageId, long CategoryId, int Class,
    double X, double Y, double Width, double Height, double Area, bool IsCrowd)
{
    /// <summary>The box as XYXY absolute pixels (original frame).</summary>
    public (double X1, double Y1, double X2, double Y2) Xyxy => (X, Y, X + Width, Y + Height);
}

/// <summary>One image of a COCO dataset and all its (valid) annotations, crowd ones included.</summary>
/// <param name="Id">Image id.</param>
/// <param name="FileName">The `file_name` field as written in the json.</param>
/// <param name="Path">Full path of the image file (image root + file name).</param>
/// <param name="Width">Width stored in the json (checked against the file when image checks are on).</param>
/// <param name="Height">Height stored in the json.</param>
/// <param name="Annotations">All kept annotations of the image, in annotation-id order.</param>
public sealed record CocoImage(long Id, string FileName, string Path, int Width, int Height,
    IReadOnlyList<CocoAnnotation> Annotations)
{
    /// <summary>The annotations that become training targets: every non-crowd one (cvpods drops iscrowd=1).</summary>
    public IEnumerable<CocoAnnotation> TrainingAnnotations => Annotations.Where(a => !a.IsCrowd);
}

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

/// <summary>A dataset that cannot be used as given; the message names the file and the image/annotation id.</summary>
public sealed class DatasetException : Exception
{
    /// <summary>Creates the exception with a one-line message.</summary>
    public DatasetException(string message, Exception? inner = null) : base(message, inner) { }
}
