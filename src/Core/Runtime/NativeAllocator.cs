using System.Runtime.InteropServices;

namespace Research.Core.Runtime;

/// <summary>
/// Tunes glibc malloc, which serves libtorch's CPU tensors, for training loops. By default glibc hands every
/// block above its mmap threshold (at most 32 MB; many activations here are 33.5 MB) to a fresh mmap and
/// unmaps it on free, and it trims the heap top when more than 128 KB are free, so every training step
/// page-faults its large activations and gradients in again (hundreds of thousands of minor faults and
/// 0.1-0.4 s of kernel time DeFCN step at 2×512²). With <c>M_MMAP_MAX = 0</c> (no mmap'd blocks)
/// and <c>M_TRIM_THRESHOLD</c> at its maximum the blocks come from the heap and are reused step after step.
/// (On threads other than the first, glibc's per-thread arenas grow in 64 MB heaps and still mmap a single
/// block larger than that.) The process keeps its peak heap instead of returning it to the system between
/// steps; the memory of a steady training loop stays flat. Applied once, process-wide, when Research.Core is
/// loaded (Linux/glibc only). Opt out by setting the environment variable <see cref="OptOutVariable"/> to
/// <c>0</c> before start.
/// </summary>
public static class NativeAllocator
{
    /// <summary>Environment variable that turns the tuning off when set to 0, false, off or no.</summary>
    public const string OptOutVariable = "RESEARCH_MALLOC_TUNING";

    // glibc <malloc.h>.
    private const int M_TRIM_THRESHOLD = -1;
    private const int M_MMAP_MAX = -4;

    private static readonly object Gate = new();
    private static bool _attempted;

    /// <summary>True once the mallopt settings have been applied successfully in this process.</summary>
    public static bool IsTuned { get; private set; }

    /// <summary>
    /// Whether an <see cref="OptOutVariable"/> value turns the tuning off (0, false, off, no; case-insensitive,
    /// surrounding spaces ignored). Unset or any other value keeps it on.
    /// </summary>
    public static bool IsOptOut(string? value) =>
        value is not null && value.Trim().ToLowerInvariant() is "0" or "false" or "off" or "no";

    /// <summary>
    /// Applies the settings unless opted out; idempotent and thread-safe. Returns <see cref="IsTuned"/>.
    /// A no-op (false) off Linux, on a C library without mallopt (e.g. musl), or when opted out.
    /// </summary>
    public static bool Configure()
    {
        lock (Gate)
        {
            if (_attempted) return IsTuned;
            _attempted = true;
            if (!OperatingSystem.IsLinux() || IsOptOut(Environment.GetEnvironmentVariable(OptOutVariable))) return false;
            try
            {
                // mallopt returns 1 on success, 0 on error.
                IsTuned = mallopt(M_MMAP_MAX, 0) == 1 && mallopt(M_TRIM_THRESHOLD, int.MaxValue) == 1;
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                IsTuned = false;
            }
            return IsTuned;
        }
    }

    /// <summary>
    /// glibc's count of live mmap'd blocks (<c>mallinfo2().hblks</c>), or −1 where mallinfo2 is unavailable.
    /// With the tuning on, new allocations never add to it.
    /// </summary>
    public static long MappedBlockCount()
    {
        if (!OperatingSystem.IsLinux()) return -1;
        try
        {
            return (long)mallinfo2().hblks;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return -1;
        }
    }

    [DllImport("libc.so.6", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);

    [DllImport("libc.so.6", EntryPoint = "mallinfo2")]
    private static extern MallInfo2 mallinfo2();

    // struct mallinfo2 (glibc ≥ 2.33): ten size_t fields.
    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
    }
}
