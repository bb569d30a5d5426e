using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Data;

/// <summary>
/// Stacks samples into an <see cref="ImageBatch"/>: images padded bottom/right with zeros (after
/// the detector's normalisation zeroes it again) to the largest height and width of the batch rounded up to a multiple of the size
/// divisibility (cvpods `ImageList.from_tensors`).
/// </summary>
public static class BatchCollator
{
    /// <summary>Padded (height, width) of a batch whose images have the given sizes.</summary>
    public static (int Height, int Width) PaddedSize(IEnumerable<(int Height, int Width)> sizes, int sizeDivisibility)
    {
        var list = sizes.ToList();
        if (list.Count == 0) throw new ArgumentException("a batch needs at least one image");
        int RoundUp(int v) => (v + sizeDivisibility - 1) / sizeDivisibility * sizeDivisibility;
        return (RoundUp(list.Max(s => s.Height)), RoundUp(list.Max(s => s.Width)));
    }

    /// <summary>
    /// Builds a batch: images (N, 3, H, W) float32 padded with zeros; targets (boxes (M, 4) float32 XYXY in
    /// each image's resized frame, classes (M) int64, ignore boxes (G, 4) float32 XYXY) when <paramref name="withTargets"/>.
    /// </summary>
    public static ImageBatch Collate(IReadOnlyList<DetectionSample> samples, int sizeDivisibility, bool withTargets)
    {
        var (ph, pw) = PaddedSize(samples.Select(s => s.ImageSize), sizeDivisibility);
        // Filled in C# and handed to libtorch once: the prefetch thread stays off torch's thread pool.
        var data = new float[samples.Count * 3 * ph * pw];                                          // (N, 3, H, W)
        for (var i = 0; i < samples.Count; i++)
        {
            var (h, w) = samples[i].ImageSize;
            for (var c = 0; c < 3; c++)
                for (var y = 0; y < h; y++)
                    Array.Copy(samples[i].Pixels, (c * h + y) * w, data, ((i * 3 + c) * ph + y) * pw, w);
        }
        var images = tensor(data, new long[] { samples.Count, 3, ph, pw }, ScalarType.Float32);
        List<DetectionTarget>? targets = null;
        if (withTargets)
        {
            targets = new List<DetectionTarget>(samples.Count);
            foreach (var s in samples)
            {
                var boxes = BoxTensor(s.Boxes);                                                        // (M, 4)
                var classes = tensor(s.Classes.Select(c => (long)c).ToArray(), new long[] { s.Classes.Count }, ScalarType.Int64);
                targets.Add(new DetectionTarget(boxes, classes, BoxTensor(s.IgnoreBoxes)));             // ignore (G, 4)
            }
        }
        return new ImageBatch(images, samples.Select(s => s.ImageSize).ToArray(),
            samples.Select(s => s.OriginalSize).ToArray(), samples.Select(s => s.ImageId).ToArray(), targets);
    }

    /// <summary>(B, 4) float32 XYXY of a list of boxes.</summary>
    private static Tensor BoxTensor(IReadOnlyList<BoxXyxy> list) =>
        tensor(list.SelectMany(b => new[] { (float)b.X1, (float)b.Y1, (float)b.X2, (float)b.Y2 }).ToArray(), new long[] { list.Count, 4 }, ScalarType.Float32);
}
