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
/// <param name="IsCrowd">`iscrowd` (CrowdHuman: `extra.ignore` ≠ 0): left out of training targets, kept for evaluation.</param>
public sealed record CocoAnnotation(long Id, long ImageId, long CategoryId, int Class,
    double X, double Y, double Width, double Height, double Area, bool IsCrowd)
{
    /// <summary>The box as XYXY absolute pixels (original frame).</summary>
    public (double X1, double Y1, double X2, double Y2) Xyxy => (X, Y, X + Width, Y + Height);
}

/// <summary>One image of a COCO dataset and all its (valid) annotations, crowd ones included.</summary>
/// <param name="Id">Image id (CrowdHuman: the record's line number in the odgt, see <see cref="SourceId"/>).</param>
/// <param name="FileName">The `file_name` field as written in the json (CrowdHuman: the image file's name in its folder).</param>
/// <param name="Path">Full path of the image file (image root + file name).</param>
/// <param name="Width">Width stored in the json (checked against the file when image checks are on).</param>
/// <param name="Height">Height stored in the json.</param>
/// <param name="Annotations">All kept annotations of the image, in annotation-id order.</param>
public sealed record CocoImage(long Id, string FileName, string Path, int Width, int Height,
    IReadOnlyList<CocoAnnotation> Annotations)
{
    /// <summary>
    /// The image's own string id where the annotation format has one (CrowdHuman `ID`, which the official
    /// evaluator matches detections by); null for COCO, whose ids are the numeric <see cref="Id"/>.
    /// </summary>
    public string? SourceId { get; init; }

    /// <summary>The annotations that become training targets: every non-crowd one (cvpods drops iscrowd=1).</summary>
    public IEnumerable<CocoAnnotation> TrainingAnnotations => Annotations.Where(a => !a.IsCrowd);

    /// <summary>
    /// The crowd annotations (COCO `iscrowd`, CrowdHuman `extra.ignore`): no training target; the batches carry
    /// them as <see cref="DetectionTarget.IgnoreBoxes"/>.
    /// </summary>
    public IEnumerable<CocoAnnotation> IgnoreAnnotations => Annotations.Where(a => a.IsCrowd);
}
