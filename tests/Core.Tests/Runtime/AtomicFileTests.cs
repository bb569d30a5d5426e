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
    public void AWriteThatFailsMidwayKeepsTheOldFileAndLeavesNoTemporaryFile()
    {
        var dir = TempDir();
        try
        {
            var path = Path.Combine(dir, "results.json");
            File.WriteAllText(path, "old");
            Assert.Throws<IOException>(() => AtomicFile.Write(path, s => { s.Write(new byte[] { 1, 2 }); throw new IOException("disk full"); }));
            Assert.Equal("old", File.ReadAllText(path));
            Assert.Equal(new[] { path }, Directory.EnumerateFiles(dir).ToArray());
            // The same with an explicit temporary name (the checkpoint writer's ".<name>.tmp").
            Assert.Throws<IOException>(() => AtomicFile.Write(path, s => throw new IOException("disk full"), tempPath: Path.Combine(dir, ".results.json.tmp")));
            Assert.Equal("old", File.ReadAllText(path));
            Assert.Equal(new[] { path }, Directory.EnumerateFiles(dir).ToArray());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void AKillBeforeTheRenameKeepsTheOldFileAndLeavesTheCompleteTemporaryFile()
    {
        var dir = TempDir();
        try
        {
            var path = Path.Combine(dir, "results.json");
            var temp = Path.Combine(dir, ".results.json.tmp");
            File.WriteAllText(path, "old");
            string? seen = null;
            // Throwing from the hook stands for a kill there: nothing runs after it, so the temporary file stays
            // (the checkpoint store deletes such leftovers on its next save).
            Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s => s.Write(new byte[] { 9 }),
                tempPath: temp, beforeRename: t => { seen = t; throw new InvalidOperationException("killed"); }));
            Assert.Equal(temp, seen);
            Assert.Equal(new byte[] { 9 }, File.ReadAllBytes(temp));
            Assert.Equal("old", File.ReadAllText(path));
        }
        finally { Directory.Delete(dir, true); }
    }
}
