using System.Text;

namespace Research.Core.Runtime;

/// <summary>
/// Whole-file writes that are atomic with respect to a process being killed: the bytes go to a temporary
/// file first, then one <c>rename</c> replaces the target. A reader (MLflow, this library, a user's viewer)
/// sees the old file or the new one, never half of one — which matters because one malformed file makes the
/// MLflow server fail for the whole store (notes/mlflow-formats.md §5), and a half-written checkpoint or
/// results file would be read as corrupt. Every file the library writes goes through here.
/// </summary>
public static class AtomicFile
{
    /// <summary>Prefix of temporary files; readers skip names starting with it and the store deletes stale ones.</summary>
    public const string TempPrefix = ".tmp-";

    [ThreadStatic] private static Action<string>? _beforeRename;

    /// <summary>
    /// Test hook (per thread): called with the target path after the temporary file is complete and before the
    /// rename. Throwing from it simulates a kill at that point.
    /// </summary>
    internal static Action<string>? BeforeRename { get => _beforeRename; set => _beforeRename = value; }

    /// <summary>Writes UTF-8 text (no BOM) atomically. See <see cref="WriteAllBytes"/>.</summary>
    public static void WriteAllText(string path, string text, string? tempDirectory = null, bool durable = false) =>
        WriteAllBytes(path, new UTF8Encoding(false).GetBytes(text), tempDirectory, durable);

    /// <summary>
    /// Writes <paramref name="bytes"/> to <paramref name="path"/> atomically. The temporary file is created in
    /// <paramref name="tempDirectory"/> (default: the target's folder; it must be on the same file system and
    /// must not be a folder a reader lists, such as a run's <c>params/</c>). <paramref name="durable"/> also
    /// flushes to disk before the rename (survives power loss, costs a few ms).
    /// </summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes, string? tempDirectory = null, bool durable = false)
    {
        var temp = TempPath(path, tempDirectory);
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None))
            {
                fs.Write(bytes);
                fs.Flush(durable);
            }
            BeforeRename?.Invoke(path);
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Writes <paramref name="path"/> atomically from a stream: <paramref name="write"/> fills the temporary file
    /// (at <paramref name="tempPath"/>, default a <see cref="TempPrefix"/> name in the target's folder, which is
    /// created when missing), which then replaces the target by one rename. <paramref name="durable"/> flushes to
    /// disk first. If <paramref name="write"/> or the rename fails, the temporary file is removed and the previous
    /// file stays as it was. <paramref name="beforeRename"/> is called with the complete temporary file's path just
    /// before the rename; it is a test hook, and throwing from it stands for a kill there, so the temporary file is
    /// left behind as a kill would leave it (the writer's own clean-up must cope with it).
    /// </summary>
    public static void Write(string path, Action<Stream> write, string? tempPath = null, bool durable = false,
        Action<string>? beforeRename = null, int bufferSize = 1 << 16)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = tempPath ?? TempPath(full, null);
        try
        {
            using var fs = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize, FileOptions.None);
            write(fs);
            fs.Flush(durable);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        beforeRename?.Invoke(temp);
        try
        {
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Copies a file atomically (temporary copy, then rename).</summary>
    public static void Copy(string source, string destination, string? tempDirectory = null)
    {
        var temp = TempPath(destination, tempDirectory);
        try
        {
            File.Copy(source, temp, overwrite: false);
            BeforeRename?.Invoke(destination);
            File.Move(temp, destination, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static string TempPath(string path, string? tempDirectory)
    {
        var dir = tempDirectory ?? Path.GetDirectoryName(Path.GetFullPath(path))!;
        return Path.Combine(dir, TempPrefix + Guid.NewGuid().ToString("N"));
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
