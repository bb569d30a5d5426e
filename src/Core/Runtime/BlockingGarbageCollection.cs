using System.Runtime;
using System.Runtime.CompilerServices;

namespace Research.Core.Runtime;

/// <summary>
/// Switches the process to blocking (non-concurrent) garbage collection when Research.Core loads.
/// <para>
/// TorchSharp 0.107 passes the native handles of temporary <see cref="TorchSharp.Scalar"/>s (every implicit
/// conversion, e.g. <c>x.add_(1)</c>, <c>param.add_(grad, alpha: -lr)</c> in SGD, BatchNorm's batch count) into
/// libtorch without keeping the managed object alive. With background GC, a collection running concurrently
/// with such a call can finalise the scalar and free its native memory while libtorch reads it: training died
/// at random iterations with "For integral input tensors, argument alpha must not be a floating point number"
/// or "Expected false to be true ... toLong/toFloat", and a wrong value could slip through silently. Measured
/// here with a thread allocating large arrays next to a loop of <c>t.add_(1)</c>: concurrent GC crashes within
/// 0.2 s; blocking GC ran 1.1 M calls over 470 full collections without one error
/// (tests/Core.Tests/Runtime/ScalarLifetimeTests). Blocking collections cost nothing that matters in a
/// training process (no UI to keep responsive).
/// </para>
/// </summary>
public static class BlockingGarbageCollection
{
    /// <summary>Environment variable that keeps the runtime's default GC mode when set to 1 (for diagnosis).</summary>
    public const string OptOutVariable = "RESEARCH_CONCURRENT_GC";

#pragma warning disable CA2255 // must hold before the first tensor op of any host (scripts, tests, apps)
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void OnModuleLoad() => Apply();

    /// <summary>True when collections are blocking (<see cref="GCLatencyMode.Batch"/>) in this process.</summary>
    public static bool IsActive => GCSettings.LatencyMode == GCLatencyMode.Batch;

    /// <summary>Sets <see cref="GCLatencyMode.Batch"/> unless <see cref="OptOutVariable"/> is 1.</summary>
    public static void Apply()
    {
        if (Environment.GetEnvironmentVariable(OptOutVariable) == "1") return;
        GCSettings.LatencyMode = GCLatencyMode.Batch;
    }
}
