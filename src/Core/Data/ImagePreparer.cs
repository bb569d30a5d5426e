using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Data;

/// <summary>
/// Turns a dataset image into a <see cref="DetectionSample"/>: decode, resize shortest edge (a random
/// choice of short side at train time), horizontal flip (p = 0.5, train only), normalise. The order and
/// the box handling follow cvpods' dataset mapper: transforms on the image and the boxes, then clip to the
/// resized image and drop empty boxes; crowd boxes never become targets.
/// </summary>
public sealed class ImagePreparer
{
    private readonly float[] _mean;
    private readonly float[] _std;

    /// <summary>Creates a preparer for the given input options.</summary>
    public ImagePreparer(InputOptions options)
    {
        options.Validate();
        Options = options;
        _mean = options.PixelMean.Select(v => (float)v).ToArray();
        _std = options.PixelStd.Select(v => (float)v).ToArray();
    }

    /// <summary>The input options.</summary>
    public InputOptions Options { get; }

    /// <summary>
    /// Training sample: the short side is drawn from <see cref="InputOptions.MinSizeTrain"/> and the flip
    /// decided with <paramref name="random"/> (in that order), so a given random stream gives the same sample.
    /// </summary>
    public DetectionSample PrepareTrain(CocoImage image, DeterministicRandom random)
    {
        var shortEdge = Options.MinSizeTrain[random.NextInt(Options.MinSizeTrain.Count)];
        var flip = Options.Flip && random.Chance(0.5);
        return Prepare(image, shortEdge, Options.MaxSizeTrain, flip);
    }

    /// <summary>Test sample: short side <see cref="InputOptions.MinSizeTest"/>, no flip.</summary>
    public DetectionSample PrepareTest(CocoImage image) => Prepare(image, Options.MinSizeTest, Options.MaxSizeTest, flip: false);

    /// <summary>Decodes and transforms one image with explicit parameters.</summary>
    public DetectionSample Prepare(CocoImage image, int shortEdge, int maxSize, bool flip)
    {
        using var scope = NewDisposeScope();
        var pixels = ImageDecoder.DecodeToTensor(image.Path, Options.Format, image.Id);    // (3, H, W) 0–255
        var (h, w) = ((int)pixels.shape[1], (int)pixels.shape[2]);
        if (h != image.Height || w != image.Width)
            throw new DatasetException($"image id {image.Id}: image file is {w}x{h} but the json says {image.Width}x{image.Height}: {image.Path}");
        var (newH, newW) = ResizeShortestEdge.OutputSize(h, w, shortEdge, maxSize);
        var resized = ResizeShortestEdge.ResizeImage(pixels, newH, newW);                  // (3, h', w')
        if (flip) resized = HorizontalFlip.FlipImage(resized);
        var mean = tensor(_mean).reshape(3, 1, 1);
        var std = tensor(_std).reshape(3, 1, 1);
        var normalised = resized.sub(mean).div(std).contiguous();

        var boxes = new List<BoxXyxy>();
        var classes = new List<int>();
        foreach (var a in image.TrainingAnnotations)
        {
            var b = ResizeShortestEdge.ResizeBox(BoxXyxy.FromXywh(a.X, a.Y, a.Width, a.Height), h, w, newH, newW);
            if (flip) b = HorizontalFlip.FlipBox(b, newW);
            b = b.Clip(newH, newW);
            if (b.IsEmpty) continue;
            boxes.Add(b);
            classes.Add(a.Class);
        }
        return new DetectionSample(image.Id, normalised.MoveToOuterDisposeScope(), (h, w), boxes, classes, flip);
    }
}
