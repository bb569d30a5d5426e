namespace Research.Core.Evaluation;

/// <summary>
/// One ground-truth object of a COCO instances file, as the evaluator needs it. The box is COCO XYWH in the
/// original image frame (absolute pixels); <paramref name="Area"/> is the file's <c>area</c> field (the
/// segmentation area in real COCO), which alone decides the small/medium/large range, never the box.
/// </summary>
/// <param name="Id">Annotation id (unique in a file).</param>
/// <param name="ImageId">Id of the image it belongs to.</param>
/// <param name="CategoryId">COCO category id (not the contiguous 0..K−1 class index).</param>
/// <param name="X">Left edge.</param>
/// <param name="Y">Top edge.</param>
/// <param name="Width">Box width (≥ 0).</param>
/// <param name="Height">Box height (≥ 0).</param>
/// <param name="Area">The <c>area</c> field used for the area ranges.</param>
/// <param name="IsCrowd">Crowd region: never a positive; detections on it are ignored, and its IoU is
/// intersection over the detection's area.</param>
public readonly record struct CocoAnnotation(
    long Id, long ImageId, long CategoryId, double X, double Y, double Width, double Height, double Area, bool IsCrowd);
