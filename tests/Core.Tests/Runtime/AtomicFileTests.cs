using Research.Core.Runtime;
using Xunit;

namespace Research.Core.Tests.Runtime;

/// <summary>The one atomic-write helper: a failed write leaves the old file as it was and no temporary file behind.</summary>
public class AtomicFileTests
{
    private static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "research-atomic", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    [Fact]
    public void AStreamWriteReplacesTheFileAndCreatesItsFolder()
    {
        var dir = TempDir();
        try
        {
            var path = Path.Combine(dir, "sub", "a.bin");
            AtomicFile.Write(path, s => s.Write(new byte[] { 1, 2, 3 }));
            Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
            AtomicFile.Write(path, s => s.Write(new byte[] { 4 }));
            Assert.Equal(new byte[] { 4 }, File.ReadAllBytes(path));
            Assert.Single(Directory.EnumerateFiles(Path.Combine(dir, "sub")));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void AWriteThatFailsMidwayOrBeforeTheRenameKeepsTheOldFileAndRemovesTheTemporaryOne()
    {
        var dir = TempDir();
        try
        {
            var path = Path.Combine(dir, "results.json");
            File.WriteAllText(path, "old");
            Assert.Throws<IOException>(() => AtomicFile.Write(path, s => { s.Write(new byte[] { 1, 2 }); throw new IOException("disk full"); }));
            Assert.Equal("old", File.ReadAllText(path));
            string? seen = null;
            Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s => s.Write(new byte[] { 9 }),
                tempPath: Path.Combine(dir, ".results.json.tmp"), beforeRename: t => { seen = t; throw new InvalidOperationException("killed"); }));
            Assert.Equal(Path.Combine(dir, ".results.json.tmp"), seen);   // the hook sees the complete temporary file
            Assert.Equal("old", File.ReadAllText(path));
            Assert.Equal(new[] { path }, Directory.EnumerateFiles(dir).ToArray());
        }
        finally { Directory.Delete(dir, true); }
    }
}
