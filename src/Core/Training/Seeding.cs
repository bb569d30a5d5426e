using System.Text;
using TorchSharp;

namespace Research.Core.Training;

/// <summary>
/// One config seed drives everything random (DESIGN §4): torch's generator for initialisation (and any
/// randomness inside the training step), and independent derived seeds for data order and augmentation.
/// </summary>
public static class Seeding
{
    /// <summary>Seeds torch's CPU generator (and CUDA's when present). Call once, before building the model.</summary>
    public static void Apply(long seed)
    {
        torch.manual_seed(seed);
        if (torch.cuda.is_available()) torch.cuda.manual_seed_all(seed);
    }

    /// <summary>
    /// A seed for one named random stream (e.g. "data", "augmentation"), a fixed function of the config seed
    /// and the name: SplitMix64 (Steele et al. 2014) of the seed xor the name's 64-bit FNV-1a hash. Different
    /// names give independent-looking streams; the same pair always gives the same value on every platform.
    /// </summary>
    public static long Derive(long seed, string stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ulong h = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(stream))
        {
            h ^= b;
            h *= 1099511628211UL;
        }
        var z = unchecked((ulong)seed ^ h) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return unchecked((long)(z ^ (z >> 31)));
    }
}
