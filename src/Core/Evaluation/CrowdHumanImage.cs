namespace Research.Core.Evaluation;

/// <summary>
/// One record of a CrowdHuman ground truth: the image ID (the .odgt "ID", e.g. "273271,c9db000d5146c15"), its
/// size when known and its boxes in file order. The size is needed only to clip the boxes of an image that has
/// detections (the official <c>clip_all_boader</c>).
/// </summary>
/// <param name="Id">Image ID, unique in the ground truth.</param>
/// <param name="Width">Image width in pixels, or null when neither the record nor the caller gave it.</param>
/// <param name="Height">Image height in pixels, or null.</param>
/// <param name="Boxes">Ground-truth boxes in file order (may be empty).</param>
public sealed record CrowdHumanImage(string Id, int? Width, int? Height, IReadOnlyList<CrowdHumanGtBox> Boxes);
