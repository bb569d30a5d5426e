namespace Research.Core.Data;

/// <summary>
/// A small seeded random stream keyed by a tuple of integers, e.g. (seed, epoch) or (seed, iteration, slot).
/// The same key always gives the same numbers on every machine and thread (SplitMix64: integer arithmetic
/// only), which is what makes a batch a pure function of (seed, iteration) and a synthetic image a pure
/// function of (seed, split, index), independent of scheduling and of how many batches were drawn before.
/// </summary>
public sealed class DeterministicRandom
{
    private ulong _state;
    private double? _spareGaussian;

    /// <summary>Creates the stream of a key (any number of integers; order matters).</summary>
    public DeterministicRandom(long seed, params long[] keys)
    {
        var s = Mix(0x9E3779B97F4A7C15UL ^ (ulong)seed);
        foreach (var k in keys) s = Mix(s ^ Mix((ulong)k + 0xD1B54A32D192ED03UL));
        _state = s;
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [min, max).</summary>
    public double Uniform(double min, double max) => min + (max - min) * NextDouble();

    /// <summary>Uniform integer in [0, maxExclusive) without modulo bias.</summary>
    public int NextInt(int maxExclusive)
    {
        if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive), maxExclusive, "must be positive");
        var bound = (ulong)maxExclusive;
        var limit = ulong.MaxValue - ulong.MaxValue % bound;
        ulong r;
        do r = NextUInt64(); while (r >= limit);
        return (int)(r % bound);
    }

    /// <summary>Uniform integer in [min, max] (both inclusive).</summary>
    public int NextInt(int min, int maxInclusive) => min + NextInt(maxInclusive - min + 1);

    /// <summary>True with probability p.</summary>
    public bool Chance(double p) => NextDouble() < p;

    /// <summary>Standard normal (Box–Muller, polar form).</summary>
    public double NextGaussian()
    {
        if (_spareGaussian is { } spare) { _spareGaussian = null; return spare; }
        double u, v, s;
        do { u = 2 * NextDouble() - 1; v = 2 * NextDouble() - 1; s = u * u + v * v; } while (s >= 1 || s == 0);
        var f = Math.Sqrt(-2 * Math.Log(s) / s);
        _spareGaussian = v * f;
        return u * f;
    }

    /// <summary>
    /// Approximately standard normal (Irwin–Hall: the sum of four 16-bit uniforms, centred and scaled to
    /// unit variance, bounded by ±3.46): one draw and integer arithmetic only, so it is fast and identical on
    /// every platform. Good for pixel noise, not for statistics.
    /// </summary>
    public double NextApproxGaussian()
    {
        var r = NextUInt64();
        var sum = (r & 0xFFFF) + ((r >> 16) & 0xFFFF) + ((r >> 32) & 0xFFFF) + (r >> 48);   // 0 .. 4·65535
        return (sum / 65536.0 - 2.0) * 1.7320508075688772;
    }

    /// <summary>A uniformly random permutation of 0..n−1 (Fisher–Yates).</summary>
    public int[] Permutation(int n)
    {
        var p = new int[n];
        for (var i = 0; i < n; i++) p[i] = i;
        for (var i = n - 1; i > 0; i--)
        {
            var j = NextInt(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }
}
