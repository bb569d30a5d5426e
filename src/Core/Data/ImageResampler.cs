namespace Research.Core.Data;

/// <summary>
/// Bilinear resize with antialiasing on planar float images (C, H, W), in plain C#: the separable
/// triangle-filter resampling of PIL's `Image.resize(..., BILINEAR)` (what the reference's ResizeTransform
/// calls; the filter widens by the downscale factor), also what torch's interpolate(bilinear,
/// align_corners=False, antialias=True) computes. Plain C# keeps the background data thread off libtorch's
/// intra-op thread pool, which the training step uses.
/// </summary>
public static class ImageResampler
{
    /// <summary>Resizes planar (C, H, W) values to (C, newHeight, newWidth).</summary>
    public static float[] Resize(float[] planar, int channels, int height, int width, int newHeight, int newWidth)
    {
        if (planar.Length != channels * height * width) throw new ArgumentException($"{planar.Length} values for a ({channels}, {height}, {width}) image");
        if (newHeight <= 0 || newWidth <= 0) throw new ArgumentException($"output size must be positive, got {newHeight}x{newWidth}");
        if (height == newHeight && width == newWidth) return (float[])planar.Clone();
        var (xStart, xWeights) = Coefficients(width, newWidth);
        var (yStart, yWeights) = Coefficients(height, newHeight);
        var tmp = new float[channels * height * newWidth];                       // (C, H, newW)
        for (var c = 0; c < channels; c++)
            for (var y = 0; y < height; y++)
            {
                var row = (c * height + y) * width;
                var outRow = (c * height + y) * newWidth;
                for (var x = 0; x < newWidth; x++)
                {
                    double sum = 0;
                    var w = xWeights[x];
                    for (var k = 0; k < w.Length; k++) sum += w[k] * planar[row + xStart[x] + k];
                    tmp[outRow + x] = (float)sum;
                }
            }
        var result = new float[channels * newHeight * newWidth];                 // (C, newH, newW)
        for (var c = 0; c < channels; c++)
            for (var y = 0; y < newHeight; y++)
            {
                var w = yWeights[y];
                var outRow = (c * newHeight + y) * newWidth;
                for (var x = 0; x < newWidth; x++)
                {
                    double sum = 0;
                    for (var k = 0; k < w.Length; k++) sum += w[k] * tmp[(c * height + yStart[y] + k) * newWidth + x];
                    result[outRow + x] = (float)sum;
                }
            }
        return result;
    }

    /// <summary>Per output index: the first input index and the normalised filter weights (PIL precompute_coeffs).</summary>
    private static (int[] Start, double[][] Weights) Coefficients(int inSize, int outSize)
    {
        var scale = (double)inSize / outSize;
        var filterScale = Math.Max(1.0, scale);
        var support = 1.0 * filterScale;                                          // bilinear support 1, widened
        var starts = new int[outSize];
        var weights = new double[outSize][];
        for (var o = 0; o < outSize; o++)
        {
            var centre = (o + 0.5) * scale;
            var min = Math.Max((int)(centre - support + 0.5), 0);
            var max = Math.Min((int)(centre + support + 0.5), inSize);
            var w = new double[max - min];
            double total = 0;
            for (var k = 0; k < w.Length; k++)
            {
                var t = Math.Abs((k + min - centre + 0.5) / filterScale);
                w[k] = t < 1 ? 1 - t : 0;
                total += w[k];
            }
            if (total > 0) for (var k = 0; k < w.Length; k++) w[k] /= total;
            starts[o] = min;
            weights[o] = w;
        }
        return (starts, weights);
    }
}
