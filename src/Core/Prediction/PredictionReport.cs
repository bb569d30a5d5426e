namespace Research.Core.Prediction;

/// <summary>An image that could not be predicted, with the one-line reason (naming the file).</summary>
/// <param name="Input">The image.</param>
/// <param name="Message">Why, e.g. "image file cannot be decoded (not PNG/JPEG or corrupt): /data/a.png".</param>
public sealed record PredictionFailure(PredictionInput Input, string Message);

/// <summary>One image done, for progress lines: its place, the image and either its detections or why it failed.</summary>
/// <param name="Done">Images handled so far, this one included.</param>
/// <param name="Total">Images in the list.</param>
/// <param name="Input">The image.</param>
/// <param name="Prediction">Its detections, or null when it failed.</param>
/// <param name="Failure">Why it failed, or null.</param>
/// <param name="Seconds">Wall-clock seconds of this image (decode, forward, picture).</param>
public sealed record PredictionProgress(int Done, int Total, PredictionInput Input, ImagePrediction? Prediction, PredictionFailure? Failure,
    double Seconds);

/// <summary>What a prediction run did.</summary>
/// <param name="Images">The images predicted (in input order) with their detections.</param>
/// <param name="Failures">The images that could not be read, in input order.</param>
/// <param name="Files">Files written: results, sidecar, pictures.</param>
public sealed record PredictionReport(
    IReadOnlyList<(PredictionInput Input, ImagePrediction Prediction)> Images, IReadOnlyList<PredictionFailure> Failures,
    IReadOnlyList<string> Files)
{
    /// <summary>Number of images in the list.</summary>
    public int Total => Images.Count + Failures.Count;

    /// <summary>Detections over all images.</summary>
    public int Detections => Images.Sum(i => i.Prediction.Boxes.Count);
}
