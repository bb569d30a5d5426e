namespace Research.Core.Evaluation;

/// <summary>
/// One person detection for CrowdHuman evaluation: the image ID (the .odgt "ID"), an XYWH box in the original image
/// frame (absolute pixels, as the official dt file's "box") and a confidence score. There is one class; no
/// category is read.
/// </summary>
/// <param name="ImageId">ID of an image of the ground truth.</param>
/// <param name="X">Left edge.</param>
/// <param name="Y">Top edge.</param>
/// <param name="Width">Box width (≥ 0).</param>
/// <param name="Height">Box height (≥ 0).</param>
/// <param name="Score">Confidence; higher ranks first; ties keep the ground-truth image order, then the input order.</param>
public readonly record struct CrowdHumanDetection(string ImageId, double X, double Y, double Width, double Height, double Score)
{
    /// <summary>
    /// Builds a detection from an XYXY float32 box as the model outputs it (original image frame). Width and height
    /// are taken in double (x2 − x1 of the float32 values widened), as cvpods' CrowdHuman evaluator does when it
    /// dumps <c>tensor.tolist()</c> boxes (<c>boxes_dump</c>), so the evaluator's x + w follows the same rounding.
    /// </summary>
    public static CrowdHumanDetection FromXyxy(string imageId, float x1, float y1, float x2, float y2, float score) =>
        new(imageId, x1, y1, (double)x2 - x1, (double)y2 - y1, score);
}
