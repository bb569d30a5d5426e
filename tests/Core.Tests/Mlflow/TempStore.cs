namespace Research.Core.Tests.Mlflow;

/// <summary>A fresh temporary folder for a store, deleted after the test.</summary>
public sealed class TempStore : IDisposable
{
    public TempStore()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "research-tracking-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
