using System.Text.Json;

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

    /// <summary>
    /// Runs <paramref name="render"/>(split index, split name, image index) for every image of the splits, in
    /// parallel, and returns the results per split in image order. Each image must be a pure function of its
    /// arguments, so what is written does not depend on scheduling. <paramref name="progress"/> receives
    /// (images done, total), starting at 0.
    /// </summary>
    public static T[][] RenderSplits<T>(IReadOnlyList<(string Name, int Count)> splits, Func<int, string, int, T> render, Action<int, int> progress)
    {
        var total = splits.Sum(s => s.Count);
        var done = 0;
        var gate = new object();
        progress(0, total);
        var results = new T[splits.Count][];
        for (var split = 0; split < splits.Count; split++)
        {
            var (name, count) = splits[split];
            var items = results[split] = new T[count];
            var splitIndex = split;
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
            {
                items[i] = render(splitIndex, name, i);
                lock (gate) progress(++done, total);
            });
        }
        return results;
    }

    /// <summary>Writes the marker file (the settings as indented snake_case json): call it last.</summary>
    public static void WriteMarker(string folder, string marker, object settings) =>
        File.WriteAllText(Path.Combine(folder, marker), JsonSerializer.Serialize(settings,
            new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));

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
