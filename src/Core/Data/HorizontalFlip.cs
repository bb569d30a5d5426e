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

    /// <summary>Mirrors a box in an image of the given width.</summary>
    public static BoxXyxy FlipBox(BoxXyxy box, int width) => box.FlipHorizontal(width);
}
