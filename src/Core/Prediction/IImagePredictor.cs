using Research.Core.Data;

namespace Research.Core.Prediction;

/// <summary>
/// Runs a detector on one image file and returns its detections in original image coordinates. Implementations differ
/// in what runs the network — the TorchSharp detector (<see cref="DetectorImagePredictor"/>), later an exported ONNX
/// graph — so <see cref="PredictionRunner"/> and the <c>predict</c> command work with any of them.
/// </summary>
public interface IImagePredictor
{
    /// <summary>What predicts, for the log (e.g. "TorchSharp DeFCN on cpu").</summary>
    string Description { get; }

    /// <summary>Decodes <paramref name="image"/>, runs the detector and decodes its outputs.</summary>
    /// <exception cref="DatasetException">The file is missing, not PNG/JPEG, truncated or corrupt; the message names it.</exception>
    ImagePrediction Predict(PredictionInput image);
}
