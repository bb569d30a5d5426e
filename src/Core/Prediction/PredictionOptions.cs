using Research.Core.Data;

namespace Research.Core.Prediction;

/// <summary>What <see cref="PredictionRunner"/> writes and how.</summary>
/// <param name="OutputDir">Folder of every output (created when missing).</param>
/// <param name="Categories">The classes in class order (index = contiguous class): COCO category ids of the results
/// file and names of the pictures.</param>
public sealed record PredictionOptions(string OutputDir, IReadOnlyList<CocoCategory> Categories)
{
    /// <summary>Pictures show the detections scoring at least this (the results files keep all). Default 0.3.</summary>
    public double PictureScoreThreshold { get; init; } = 0.3;

    /// <summary>Draw one <c>NAME.png</c> per image. Default true.</summary>
    public bool Pictures { get; init; } = true;

    /// <summary>
    /// Also write <c>detections.odgt</c>, the CrowdHuman evaluator's dt format (the image's
    /// <see cref="PredictionInput.Name"/> as its ID), for one-class person data. Default false.
    /// </summary>
    public bool CrowdHumanOdgt { get; init; }
}
