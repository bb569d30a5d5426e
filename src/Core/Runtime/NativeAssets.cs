using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace Research.Core.Runtime;

/// <summary>
/// Finds the native libraries of our packages (SkiaSharp, HarfBuzzSharp, ...) in this assembly's
/// <c>runtimes/&lt;rid&gt;/native</c> folder when the host's own probe fails. That happens when scripts load
/// the library with <c>Assembly.LoadFrom</c> from fsi: the host has no deps.json for it, and SkiaSharp's
/// soname carries a version, so loading it by path beforehand does not help.
/// </summary>
public static class NativeAssets
{
    private static int _registered;

    /// <summary>Registers the resolver once (idempotent, thread-safe). Called by the module initializer.</summary>
    public static void EnsureResolver()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 1) return;
        var dir = Path.GetDirectoryName(typeof(NativeAssets).Assembly.Location);
        if (string.IsNullOrEmpty(dir)) return;
        var contexts = new HashSet<AssemblyLoadContext> { AssemblyLoadContext.Default };
        if (AssemblyLoadContext.GetLoadContext(typeof(NativeAssets).Assembly) is { } own) contexts.Add(own);
        foreach (var context in contexts) context.ResolvingUnmanagedDll += (_, name) => Resolve(dir, name);
    }

    private static IntPtr Resolve(string dir, string name)
    {
        var arch = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "arm64" : "x64";
        var (rid, ext) = OperatingSystem.IsLinux() ? ("linux-" + arch, ".so")
            : OperatingSystem.IsMacOS() ? ("osx-" + arch, ".dylib")
            : ("win-" + arch, ".dll");
        var file = name.EndsWith(ext, StringComparison.Ordinal) ? name : name + ext;
        foreach (var candidate in new[] { Path.Combine(dir, "runtimes", rid, "native", file), Path.Combine(dir, file) })
            if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out var handle))
                return handle;
        return IntPtr.Zero;
    }
}
