using Research.Core.Data;
using Research.Core.Detectors;
using Research.Core.Inference;
using Research.Core.Runtime;
using static TorchSharp.torch;

namespace Research.Core.Prediction;

/// <summary>
/// The TorchSharp detector as an <see cref="IImagePredictor"/>: the evaluation path of
/// <see cref="Training.DetectionValidation"/> on one file — decode (<see cref="ImageDecoder"/>, upright by EXIF, in
/// <c>input.format</c> order), resize the shortest edge to <see cref="InputOptions.MinSizeTest"/> (longest at most
/// <see cref="InputOptions.MaxSizeTest"/>), a batch of this image alone padded to the size divisibility,
/// <see cref="DenseDetector.Predict(ImageBatch, IReadOnlyList{InferenceSettings})"/> (normalisation, forward,
/// post-processing, rescale to the original image and clip) — so its detections equal the validation loop's for the
/// same image and settings. Does not own the detector.
/// </summary>
public sealed class DetectorImagePredictor : IImagePredictor
{
    private readonly DenseDetector _detector;
    private readonly ImagePreparer _preparer;
    private readonly InferenceSettings[] _settings;

    /// <summary>Creates the predictor; <paramref name="settings"/> default to the detector's own (<c>model.test</c>).</summary>
    /// <param name="detector">A detector with its weights loaded, on its device (batches are moved there).</param>
    /// <param name="input">Input settings (test sizes, channel order, size divisibility).</param>
    /// <param name="settings">Post-processing (score threshold, top-k, NMS, detections per image).</param>
    public DetectorImagePredictor(DenseDetector detector, InputOptions input, InferenceSettings? settings = null)
    {
        _detector = detector ?? throw new ArgumentNullException(nameof(detector));
        _preparer = new ImagePreparer(input);
        _settings = new[] { settings ?? detector.InferenceSettings };
    }

    /// <inheritdoc />
    public string Description => $"TorchSharp {_detector.GetType().Name} on {_detector.Device.type.ToString().ToLowerInvariant()}";

    /// <inheritdoc />
    public ImagePrediction Predict(PredictionInput image)
    {
        var (width, height) = ImageDecoder.ReadUprightSize(image.Path);
        var record = new CocoImage(image.Id, image.FileName, image.Path, width, height, Array.Empty<CocoAnnotation>());
        var sample = _preparer.PrepareTest(record);                                       // (3, h', w') raw 0–255
        using var scope = NewDisposeScope();
        using var batch = BatchCollator.Collate(new[] { sample }, _preparer.Options.SizeDivisibility, withTargets: false);
        using var detections = _detector.Predict(batch, _settings)[0][0];
        var boxes = HostCopy.Floats(detections.Boxes);                                    // (D, 4) XYXY, original frame
        var scores = HostCopy.Floats(detections.Scores);                                  // (D)
        var classes = HostCopy.Longs(detections.Classes);                                 // (D)
        var result = new PredictedBox[scores.Length];
        for (var d = 0; d < result.Length; d++)
            result[d] = new PredictedBox(boxes[4 * d], boxes[4 * d + 1], boxes[4 * d + 2], boxes[4 * d + 3], scores[d], (int)classes[d]);
        return new ImagePrediction(width, height, result);
    }
}
