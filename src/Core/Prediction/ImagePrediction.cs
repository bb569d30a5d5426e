namespace Research.Core.Prediction;

/// <summary>One detection in the original image frame, as the detector outputs it.</summary>
/// <param name="X1">Left edge, pixels of the original (upright) image.</param>
/// <param name="Y1">Top edge.</param>
/// <param name="X2">Right edge.</param>
/// <param name="Y2">Bottom edge.</param>
/// <param name="Score">Confidence (float32, as the detector computed it).</param>
/// <param name="Class">Contiguous class 0..K−1.</param>
public readonly record struct PredictedBox(float X1, float Y1, float X2, float Y2, float Score, int Class);

/// <summary>The detections of one image: XYXY boxes in the original (upright) image frame, best score first.</summary>
/// <param name="Width">Width of the original image.</param>
/// <param name="Height">Height of the original image.</param>
/// <param name="Boxes">Detections, sorted by score descending.</param>
public sealed record ImagePrediction(int Width, int Height, IReadOnlyList<PredictedBox> Boxes);
