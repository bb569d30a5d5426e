using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Runtime;

/// <summary>Copies of tensors into host arrays (empty tensors give empty arrays; TorchSharp's accessor throws on them).</summary>
public static class HostCopy
{
    /// <summary>Elements as float32, row-major.</summary>
    public static float[] Floats(Tensor t)
    {
        if (t.numel() == 0) return Array.Empty<float>();
        using var scope = NewDisposeScope();
        return t.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
    }

    /// <summary>Elements as float64, row-major.</summary>
    public static double[] Doubles(Tensor t)
    {
        if (t.numel() == 0) return Array.Empty<double>();
        using var scope = NewDisposeScope();
        return t.detach().to(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();
    }

    /// <summary>Elements as int64, row-major.</summary>
    public static long[] Longs(Tensor t)
    {
        if (t.numel() == 0) return Array.Empty<long>();
        using var scope = NewDisposeScope();
        return t.detach().to(ScalarType.Int64).cpu().contiguous().data<long>().ToArray();
    }
}
