namespace Research.Core.Evaluation;

/// <summary>
/// One detection in COCO results format: image id, COCO category id, XYWH box in the original image frame
/// (absolute pixels) and a confidence score. Its area (for the area ranges of unmatched detections) is
/// Width·Height, as pycocotools' <c>loadRes</c> sets it.
/// </summary>
/// <param name="ImageId">Id of an image of the ground truth.</param>
/// <param name="CategoryId">COCO category id (map contiguous class indices back before evaluating).</param>
/// <param name="X">Left edge.</param>
/// <param name="Y">Top edge.</param>
/// <param name="Width">Box width (≥ 0).</param>
/// <param name="Height">Box height (≥ 0).</param>
/// <param name="Score">Confidence; higher ranks first, ties keep the input order.</param>
public readonly record struct CocoDetection(
    long ImageId, long CategoryId, double X, double Y, double Width, double Height, double Score)
{
    /// <summary>
    /// Builds a detection from an XYXY float32 box as the model outputs it (original image frame, absolute
    /// pixels). Width and height are taken in float32 (x2 − x1), as the reference's XYXY→XYWH conversion on
    /// float32 tensors does before writing the results json, so our numbers follow the same rounding.
    /// </summary>
    public static CocoDetection FromXyxy(long imageId, long categoryId, float x1, float y1, float x2, float y2, float score) =>
        new(imageId, categoryId, x1, y1, x2 - x1, y2 - y1, score);
}
