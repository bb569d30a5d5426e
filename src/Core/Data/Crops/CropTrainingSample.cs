using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Data.Crops;

/// <summary>
/// One training example of tracking mode: a crop centred (with jitter) on one object of a frame, and the
/// frame's labels mapped into the crop. For the single-object tracker the labels are just the target
/// (one class, "target"); other objects can be passed to label them too.
/// </summary>
public static class CropTrainingSample
{
    /// <summary>
    /// image (3, H, W) float; objects: boxes (M, 4) XYXY in the frame and classes (M) int64; centreOn: index
    /// of the object the crop follows. Returns the crop (3, S, S), the mapped target (boxes (M', 4) XYXY in
    /// the crop, classes (M')) and the map. The jitter is drawn from random (three draws), so a seeded
    /// generator repeats the sample.
    /// </summary>
    public static (Tensor Crop, DetectionTarget Target, CropMap Map) Make(Tensor image, DetectionTarget objects, int centreOn,
        CropSettings settings, Random random)
    {
        settings.Validate();
        if (centreOn < 0 || centreOn >= objects.Count)
            throw new ArgumentOutOfRangeException(nameof(centreOn), centreOn, $"object index out of range for {objects.Count} boxes");
        double[] b;
        using (NewDisposeScope()) b = objects.Boxes[centreOn].to_type(ScalarType.Float64).cpu().data<double>().ToArray();
        var centre = new BoxXyxy(b[0], b[1], b[2], b[3]);
        var jitter = settings.Jitter.Sample(random);
        var (crop, map) = TargetCrop.Around(image, centre, settings.Context, settings.OutputSize, jitter);
        return (crop, CropBoxMapping.FrameToCrop(map, objects, settings.MinVisibleFraction), map);
    }
}
