using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Data;

/// <summary>
/// Left–right mirror of an image and its boxes (cvpods `HFlipTransform`: coordinates are continuous, so
/// x → W − x, not W − 1 − x).
/// </summary>
public static class HorizontalFlip
{
    /// <summary>Mirrors (C, H, W) along W.</summary>
    public static Tensor FlipImage(Tensor image) => image.flip(-1);

    /// <summary>Mirrors a planar (C, H, W) image along W, in place.</summary>
    public static void FlipPlanar(float[] planar, int channels, int height, int width)
    {
        for (var row = 0; row < channels * height; row++) Array.Reverse(planar, row * width, width);
    }

    /// <summary>Mirrors a box in an image of the given width.</summary>
    public static BoxXyxy FlipBox(BoxXyxy box, int width) => box.FlipHorizontal(width);
}
