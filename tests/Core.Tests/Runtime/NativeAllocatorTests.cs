using System.Runtime.InteropServices;
using Research.Core.Runtime;
using Xunit;

namespace Research.Core.Tests.Runtime;

/// <summary>The glibc malloc settings of <see cref="NativeAllocator"/>: applied at load, effective, and the opt-out switch.</summary>
public class NativeAllocatorTests
{
    [Fact]
    public void SettingsAreAppliedWhenTheLibraryLoadsUnlessOptedOut()
    {
        TorchRuntime.EnsureLoaded();
        var optedOut = NativeAllocator.IsOptOut(Environment.GetEnvironmentVariable(NativeAllocator.OptOutVariable));
        Assert.Equal(OperatingSystem.IsLinux() && !optedOut, NativeAllocator.IsTuned);
        Assert.Equal(NativeAllocator.IsTuned, NativeAllocator.Configure());   // idempotent
    }

    [Fact]
    public void LargeBlocksComeFromTheHeapNotFromMmap()
    {
        TorchRuntime.EnsureLoaded();
        if (!NativeAllocator.IsTuned || NativeAllocator.MappedBlockCount() < 0) return;   // not glibc, or opted out
        var before = NativeAllocator.MappedBlockCount();
        var blocks = new List<IntPtr>();
        try
        {
            // 16 MB: far above glibc's default mmap threshold (128 KB), and below the 64 MB heaps of the
            // per-thread arenas (a test thread does not use the main arena).
            for (var i = 0; i < 4; i++) blocks.Add(Malloc(16 << 20));
            Assert.All(blocks, b => Assert.NotEqual(IntPtr.Zero, b));
            Assert.Equal(before, NativeAllocator.MappedBlockCount());
        }
        finally
        {
            foreach (var b in blocks) Free(b);
        }
    }

    [Theory]
    [InlineData("0", true)]
    [InlineData(" off ", true)]
    [InlineData("FALSE", true)]
    [InlineData("no", true)]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("1", false)]
    [InlineData("on", false)]
    public void OptOutValues(string? value, bool optOut) => Assert.Equal(optOut, NativeAllocator.IsOptOut(value));

    [DllImport("libc.so.6", EntryPoint = "malloc")]
    private static extern IntPtr Malloc(nuint size);

    [DllImport("libc.so.6", EntryPoint = "free")]
    private static extern void Free(IntPtr block);
}
