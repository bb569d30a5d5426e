namespace Research.Core.Evaluation;

/// <summary>
/// A detection that took part in the CrowdHuman curves (not dropped on an ignore region), in rank order: the
/// official score list entry. The box is the clipped XYXY box the matching used.
/// </summary>
/// <param name="ImageIndex">Index of its image in <see cref="CrowdHumanGroundTruth.Images"/>.</param>
/// <param name="DetectionIndex">Index in the detections given to the evaluator.</param>
/// <param name="Score">Its score.</param>
/// <param name="IsTruePositive">Matched a person (IoU &gt; 0.5), else a false positive.</param>
/// <param name="X1">Clipped left edge.</param>
/// <param name="Y1">Clipped top edge.</param>
/// <param name="X2">Clipped right edge.</param>
/// <param name="Y2">Clipped bottom edge.</param>
public readonly record struct CrowdHumanRankedDetection(
    int ImageIndex, int DetectionIndex, double Score, bool IsTruePositive, double X1, double Y1, double X2, double Y2);
