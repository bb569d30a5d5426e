namespace Research.Core.Evaluation;

/// <summary>
/// One line of a CrowdHuman dt .odgt file: an image's ID, its size (which the official tool uses to clip boxes when
/// the ground truth has none) and its detections.
/// </summary>
/// <param name="Id">The image's CrowdHuman ID (every detection's <see cref="CrowdHumanDetection.ImageId"/>).</param>
/// <param name="Width">Image width in pixels.</param>
/// <param name="Height">Image height in pixels.</param>
/// <param name="Detections">The image's detections, in the order they are written (score ties keep it).</param>
public sealed record CrowdHumanDtRecord(string Id, int Width, int Height, IReadOnlyList<CrowdHumanDetection> Detections);
