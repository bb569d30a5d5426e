using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Research.Core.Runtime;

/// <summary>
/// Loads the patched native TorchSharp shim by full path before the first torch call and resolves the
/// compute device. Loading by full path matters: a bare-name probe can pick up the unpatched copy in the
/// NuGet cache, or a system libtorch of another version (Debian's libtorch-dev), and fail.
/// </summary>
public static class TorchRuntime
{
    private static readonly object Gate = new();
    private static bool _loaded;

    /// <summary>
    /// Runs when Research.Core is first touched, so any user of the library gets the right shim and the
    /// allocator settings of <see cref="NativeAllocator"/> (opt out with RESEARCH_MALLOC_TUNING=0).
    /// </summary>
#pragma warning disable CA2255 // a module initializer is exactly what a native-load fix needs
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void OnModuleLoad()
    {
        NativeAllocator.Configure();
        NativeAssets.EnsureResolver();
        EnsureLoaded();
    }

    /// <summary>
    /// Loads libLibTorchSharp (and, through its $ORIGIN run path, libtorch) from the folder holding this
    /// assembly. Idempotent and thread-safe; a no-op where the file is absent (other platforms, CUDA
    /// layouts TorchSharp resolves itself).
    /// </summary>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_loaded) return;
            _loaded = true;
            if (!OperatingSystem.IsLinux()) return;
            var dir = Path.GetDirectoryName(typeof(TorchRuntime).Assembly.Location);
            if (string.IsNullOrEmpty(dir)) return;
            foreach (var candidate in new[]
                     {
                         Path.Combine(dir, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"),
                         Path.Combine(dir, "libLibTorchSharp.so"),
                     })
            {
                if (!File.Exists(candidate)) continue;
                try
                {
                    NativeLibrary.Load(candidate);
                }
                catch (DllNotFoundException e)
                {
                    throw new InvalidOperationException(
                        $"Could not load the TorchSharp native library '{candidate}': {e.Message}. " +
                        "Rebuild the solution: the build patches this file (see Directory.Build.targets).", e);
                }
                return;
            }
        }
    }

    /// <summary>
    /// Resolves a device name from config: <c>auto</c> (CUDA when available, else CPU), <c>cpu</c> or
    /// <c>cuda</c> / <c>cuda:N</c>. Asking for CUDA where none is available is an error, not a silent fallback.
    /// </summary>
    public static torch.Device ResolveDevice(string name)
    {
        EnsureLoaded();
        var key = (name ?? "auto").Trim().ToLowerInvariant();
        if (key == "auto") return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        if (key == "cpu") return torch.CPU;
        if (key == "cuda" || key.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!torch.cuda.is_available())
                throw new ArgumentException(
                    $"device: '{name}' was requested but CUDA is not available (this build uses the " +
                    "TorchSharp-cpu backend, or no GPU is present). Use device: auto or cpu, or build with -p:TorchBackend=cuda-linux.");
            return torch.device(key);
        }
        throw new ArgumentException($"device: '{name}' is not one of auto, cpu, cuda, cuda:N.");
    }

    /// <summary>Sets libtorch's intra-op thread count; 0 keeps the library default.</summary>
    public static void SetThreads(int threads)
    {
        EnsureLoaded();
        if (threads < 0) throw new ArgumentOutOfRangeException(nameof(threads), threads, "threads must be >= 0 (0 = library default).");
        if (threads > 0) torch.set_num_threads(threads);
    }
}
