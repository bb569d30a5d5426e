namespace Research.Core.Data;

/// <summary>
/// A folder of generated files that appears complete or not at all: written into a temporary sibling and
/// renamed at the end; complete when its marker file exists (the generator writes the marker last). An
/// incomplete folder under the final name (debris of an older scheme) is deleted and regenerated.
/// </summary>
internal static class GeneratedFolder
{
    /// <summary>
    /// Makes sure <paramref name="folder"/> exists complete, running <paramref name="write"/> on a temporary
    /// folder when it does not. Returns true when the folder was there already and nothing was written.
    /// </summary>
    public static bool Ensure(string folder, string marker, Action<string> write)
    {
        folder = Path.GetFullPath(folder);
        if (IsComplete(folder, marker)) return true;
        var parent = Path.GetDirectoryName(folder) ?? throw new ArgumentException($"{folder} has no parent folder");
        Directory.CreateDirectory(parent);
        // Complete folders only ever appear by rename, so an incomplete one under the final name is debris.
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        var temp = Path.Combine(parent, $".{Path.GetFileName(folder)}.tmp-{Guid.NewGuid():N}");
        try
        {
            write(temp);
            try
            {
                Directory.Move(temp, folder);
            }
            catch (IOException) when (IsComplete(folder, marker))
            {
                // Another process generated the same settings meanwhile: theirs is identical, keep it.
                Directory.Delete(temp, recursive: true);
            }
        }
        catch
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            throw;
        }
        return false;
    }

    /// <summary>A progress callback (images done, total) writing a line to standard error every 10 %.</summary>
    public static Action<int, int> ProgressLines(string what, string target)
    {
        var lastTenth = -1;
        return (done, total) =>
        {
            var tenth = total == 0 ? 10 : done * 10 / total;
            if (tenth == lastTenth) return;
            lastTenth = tenth;
            Console.Error.WriteLine($"{what}: {done}/{total} images ({tenth * 10}%) → {target}");
        };
    }

    private static bool IsComplete(string folder, string marker) => File.Exists(Path.Combine(folder, marker));
}
