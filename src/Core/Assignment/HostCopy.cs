using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Assignment;

/// <summary>Copies of tensors into host arrays (empty tensors give empty arrays; TorchSharp's accessor throws on them).</summary>
internal static class HostCopy
{
    public static float[] Floats(Tensor t)
    {
        if (t.numel() == 0) return Array.Empty<float>();
        using var scope = NewDisposeScope();
        return t.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
    }

    public static double[] Doubles(Tensor t)
    {
        if (t.numel() == 0) return Array.Empty<double>();
        using var scope = NewDisposeScope();
        return t.detach().to(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();
    }

    public static long[] Longs(Tensor t)
    {
        if (t.numel() == 0) return Array.Empty<long>();
        using var scope = NewDisposeScope();
        return t.detach().to(ScalarType.Int64).cpu().contiguous().data<long>().ToArray();
    }
}
