using System.Security.Cryptography;

namespace Research.Core.Tests.Data;

/// <summary>A fresh folder name under the temporary directory (created by whoever writes into it), removed on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = NewPath();

    /// <summary>A new unique path under the temporary directory (nothing is created).</summary>
    public static string NewPath() => System.IO.Path.Combine(System.IO.Path.GetTempPath(), "research-data-tests", Guid.NewGuid().ToString("N"));

    /// <summary>SHA-256 of every file below <paramref name="dir"/>, by relative path.</summary>
    public static Dictionary<string, string> FileHashes(string dir) =>
        Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .ToDictionary(p => System.IO.Path.GetRelativePath(dir, p), p => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(p))));

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}
