namespace Research.Core.Data;

/// <summary>
/// Turns a dataset image into a <see cref="DetectionSample"/>: decode, resize shortest edge (a random
/// choice of short side at train time), horizontal flip (p = 0.5, train only). The order and the box handling
/// follow cvpods' dataset mapper: transforms on the image and the boxes, then clip to the resized image and
/// drop empty boxes; crowd boxes never become targets (they travel as ignore boxes, transformed alike). Pixels
/// stay raw (0–255, in the config's channel order): the detector normalises them, as the reference's
/// preprocess_image does.
/// </summary>
public sealed class ImagePreparer
{
    /// <summary>Creates a preparer for the given input options.</summary>
    public ImagePreparer(InputOptions options)
    {
        options.Validate();
        Options = options;
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
        var (pixels, h, w) = ImageDecoder.DecodePlanar(image.Path, Options.Format, image.Id);    // (3, H, W) 0–255
        if (h != image.Height || w != image.Width)
            throw new DatasetException($"image id {image.Id}: image file is {w}x{h} but the json says {image.Width}x{image.Height}: {image.Path}");
        var (newH, newW) = ResizeShortestEdge.OutputSize(h, w, shortEdge, maxSize);
        var resized = newH == h && newW == w ? pixels : ResizeShortestEdge.ResizeImage(pixels, h, w, newH, newW);   // (3, h', w')
        if (flip) HorizontalFlip.FlipPlanar(resized, 3, newH, newW);

        var boxes = new List<BoxXyxy>();
        var classes = new List<int>();
        foreach (var a in image.TrainingAnnotations)
        {
            if (Transform(a) is not { } b) continue;
            boxes.Add(b);
            classes.Add(a.Class);
        }
        var ignore = image.IgnoreAnnotations.Select(Transform).OfType<BoxXyxy>().ToArray();
        return new DetectionSample(image.Id, resized, newH, newW, (h, w), boxes, classes, flip, ignore);

        BoxXyxy? Transform(CocoAnnotation a)
        {
            var b = ResizeShortestEdge.ResizeBox(BoxXyxy.FromXywh(a.X, a.Y, a.Width, a.Height), h, w, newH, newW);
            if (flip) b = HorizontalFlip.FlipBox(b, newW);
            b = b.Clip(newH, newW);
            return b.IsEmpty ? null : b;
        }
    }
}
