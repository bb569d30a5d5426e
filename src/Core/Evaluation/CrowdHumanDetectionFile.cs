namespace Research.Core.Evaluation;

/// <summary>
/// The detections of a CrowdHuman results file (<see cref="CrowdHumanDetections.Load"/>), in file order, and the
/// image sizes its records carry (cvpods writes width/height into every dt record; the official tool uses them
/// for clipping when the ground-truth record has none).
/// </summary>
/// <param name="Path">The file, for messages.</param>
/// <param name="Detections">Detections in file order (which breaks score ties within an image).</param>
/// <param name="ImageSizes">Width and height of the dt records that give them, by ID (empty for a COCO-style list).</param>
public sealed record CrowdHumanDetectionFile(
    string Path, IReadOnlyList<CrowdHumanDetection> Detections, IReadOnlyDictionary<string, (int? Width, int? Height)> ImageSizes);
