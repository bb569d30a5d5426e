using Research.Core.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Assignment;

/// <summary>
/// Quality q = p^(1−α) · IoU^α of selected (image, shift, class) pairs, computed with torch on gathered
/// vectors so that sigmoid and pow run the same libtorch kernels as the reference's dense tensors
/// (fcos.py l.275-294 and l.366-384). The vectors are padded to a multiple of 64 so every element takes
/// the vectorised kernel path, like all but the tail of the reference's large dense tensors.
/// </summary>
internal static class PairQuality
{
    private const int Pad = 64;

    /// <summary>
    /// <paramref name="clsFlat"/>: the detached cls logits viewed as (N·R·K); <paramref name="filterFlat"/>:
    /// the filter logits as (N·R) or null (then p = sigmoid(cls) alone). For pair t, p is
    /// sigmoid(clsFlat[clsIndex[t]]) · sigmoid(filterFlat[filterIndex[t]]) in the head dtype; IoU is
    /// float32. Returns q per pair (head-dtype values held exactly in double).
    /// </summary>
    public static double[] Compute(Tensor clsFlat, Tensor? filterFlat, long[] clsIndex, long[] filterIndex, float[] iou, int count, double alpha)
    {
        if (count == 0) return Array.Empty<double>();
        int padded = (count + Pad - 1) / Pad * Pad;
        var ci = new long[padded];
        Array.Copy(clsIndex, ci, count);
        var io = new float[padded];
        Array.Copy(iou, io, count);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var p = clsFlat.index_select(0, tensor(ci, device: clsFlat.device)).sigmoid();
        if (filterFlat is not null)
        {
            var fi = new long[padded];
            Array.Copy(filterIndex, fi, count);
            p = p * filterFlat.index_select(0, tensor(fi, device: filterFlat.device)).sigmoid();
        }
        var iouT = tensor(io, device: clsFlat.device);
        // torch pow semantics (0^0 = 1): α = 0 gives p, α = 1 gives IoU.
        var q = p.pow(1 - alpha) * iouT.pow(alpha);
        var values = HostCopy.Doubles(q);
        if (values.Length != count) Array.Resize(ref values, count);
        return values;
    }
}
