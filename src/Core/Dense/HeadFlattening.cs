using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Dense;

/// <summary>
/// Flattening of per-level dense outputs into one tensor per image over all positions (DESIGN §4):
/// (N, A·K, H, W) → (N, H·W·A, K), levels concatenated in order (P3 first). Position r of level l is
/// offset_l + y·W_l + x (cvpods permute_to_N_HWA_K).
/// </summary>
public static class HeadFlattening
{
    /// <summary>(N, A·K, H, W) → (N, H·W·A, K). Returns a new tensor (never a view of the input).</summary>
    public static Tensor PermuteToNHWAK(Tensor x, long k)
    {
        if (x.dim() != 4) throw new ArgumentException($"expected (N, A·K, H, W), got ({string.Join(", ", x.shape)})");
        long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        if (k <= 0 || c % k != 0) throw new ArgumentException($"channel count {c} is not a multiple of K = {k}");
        var a = c / k;
        using var scope = NewDisposeScope();
        var y = x.view(n, a, k, h, w)      // (N, A, K, H, W)
                 .permute(0, 3, 4, 1, 2)   // (N, H, W, A, K)
                 .reshape(n, -1, k);       // (N, H·W·A, K)
        // A contiguous result here is a view of x (e.g. K = 1, or H = W = 1): copy it so callers may change
        // the result without touching the head outputs (the reference's in-place sigmoid_ did).
        y = y.is_contiguous() ? y.clone() : y.contiguous();
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>Per-level (N, A·K, H_l, W_l) maps → (N, R, K) with R = Σ H_l·W_l·A, levels in order.</summary>
    public static Tensor FlattenAndConcat(IReadOnlyList<Tensor> levels, long k)
    {
        using var scope = NewDisposeScope();
        var flat = levels.Select(t => PermuteToNHWAK(t, k)).ToArray();
        return cat(flat, 1).MoveToOuterDisposeScope();   // (N, R, K)
    }
}
