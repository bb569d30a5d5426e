using static TorchSharp.torch;

namespace Research.Core.Runtime;

/// <summary>
/// Float32 functions rounded as IEEE requires, where the bundled libtorch's vectorised kernel is not: its float32
/// sqrt was measured 1 ulp off on ~10% of values (the reference's torch 1.13 was exact), which flips FCOS centerness
/// targets and ATSS distance ties, and its float32 log 1 ulp off on ~7% (torch 1.13: 0.5%), which moves the anchor
/// rule's dw, dh targets. Computed in float64 and rounded once: exact for sqrt, and for log except in the rare
/// double-rounding cases.
/// </summary>
public static class CorrectlyRounded
{
    /// <summary>Elementwise square root (any shape) in the input's dtype, correctly rounded for float32.</summary>
    public static Tensor Sqrt(Tensor x)
    {
        if (x.dtype != ScalarType.Float32) return x.sqrt();
        using var scope = NewDisposeScope();
        return x.to(ScalarType.Float64).sqrt().to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>Elementwise natural log (any shape) in the input's dtype, rounded from float64 for float32.</summary>
    public static Tensor Log(Tensor x)
    {
        if (x.dtype != ScalarType.Float32) return x.log();
        using var scope = NewDisposeScope();
        return x.to(ScalarType.Float64).log().to(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
