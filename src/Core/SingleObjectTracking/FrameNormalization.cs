using static TorchSharp.torch;

namespace Research.Core.SingleObjectTracking;

/// <summary>
/// The detector's input space for tracking frames: frames load as RGB 0..255 (<see cref="FrameImage"/>);
/// the detector was trained on crops in <paramref name="Bgr"/> order normalised as (x − mean) / std (the
/// settings of <see cref="TrackingCropBatchSource"/>). Normalising the whole frame before cropping equals
/// normalising the crop (a per-channel affine map commutes with bilinear sampling and mean padding).
/// </summary>
/// <param name="Mean">Per channel, in the detector's channel order, for 0..255 values.</param>
/// <param name="Std">Per channel, in the detector's channel order, all &gt; 0.</param>
/// <param name="Bgr">True when the detector expects BGR (the detection pipeline's default), false for RGB.</param>
public sealed record FrameNormalization(IReadOnlyList<float> Mean, IReadOnlyList<float> Std, bool Bgr)
{
    /// <summary>Refuses settings that cannot normalise a 3-channel frame.</summary>
    public void Validate()
    {
        if (Mean.Count != 3 || Std.Count != 3 || Std.Any(s => !(s > 0)))
            throw new ArgumentException($"pixel mean and std need 3 values each, std > 0; got mean [{string.Join(", ", Mean)}], std [{string.Join(", ", Std)}]");
    }

    /// <summary>frame (3, H, W) float RGB 0..255 → (3, H, W) float32 in the detector's input space (a new tensor).</summary>
    public Tensor Apply(Tensor frame)
    {
        if (frame.dim() != 3 || frame.shape[0] != 3) throw new ArgumentException($"frame must be (3, H, W), got ({string.Join(", ", frame.shape)})");
        using var scope = NewDisposeScope();
        var x = frame.to_type(ScalarType.Float32);
        if (Bgr) x = x.flip(0);
        var mean = tensor(Mean.ToArray(), device: frame.device).reshape(3, 1, 1);
        var std = tensor(Std.ToArray(), device: frame.device).reshape(3, 1, 1);
        return ((x - mean) / std).MoveToOuterDisposeScope();
    }
}
