using Research.Core.Data;

namespace Research.Core.Prediction;

/// <summary>
/// The images of a command line: image files and folders, in the order given; each folder's images (the extensions the
/// readers accept: <see cref="CrowdHumanDataset.ImageExtensions"/>, any case) sorted by name with ordinal comparison,
/// so the list — and every id — is the same on every machine. Folders are read one level deep unless recursive.
/// </summary>
public static class PredictionInputs
{
    /// <summary>
    /// Lists the images of <paramref name="paths"/>. A path that is a folder contributes its images (none is an error);
    /// any other path is taken as an image file as given, even when it does not exist: reading it fails for that image
    /// alone. A file named twice (or listed by two folders) is predicted once, at its first place.
    /// </summary>
    /// <exception cref="DatasetException">No path was given, or a folder holds no image; the message names the folder.</exception>
    public static IReadOnlyList<PredictionInput> List(IEnumerable<string> paths, bool recursive = false)
    {
        var files = new List<(string Path, string Name, string FileName)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                var folder = System.IO.Path.GetFullPath(path);
                var images = Directory.EnumerateFiles(folder, "*", recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
                    .Where(IsImageFile)
                    .Select(f => (Full: f, Relative: System.IO.Path.GetRelativePath(folder, f).Replace('\\', '/')))
                    .OrderBy(f => f.Relative, StringComparer.Ordinal)
                    .ToList();
                if (images.Count == 0)
                    throw new DatasetException(
                        $"{path}: no images in this folder ({string.Join(", ", CrowdHumanDataset.ImageExtensions)}{(recursive ? ", subfolders included" : "; subfolders are not read")})");
                foreach (var (full, relative) in images)
                    if (seen.Add(full)) files.Add((full, StripExtension(relative), relative));
            }
            else
            {
                var full = System.IO.Path.GetFullPath(path);
                if (seen.Add(full)) files.Add((full, System.IO.Path.GetFileNameWithoutExtension(full), path));
            }
        }
        if (files.Count == 0) throw new DatasetException("no images given: name image files or folders");
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);   // pictures must not overwrite each other on any file system
        var result = new List<PredictionInput>(files.Count);
        for (var i = 0; i < files.Count; i++)
        {
            var id = i + 1L;
            var name = files[i].Name.Length == 0 ? $"image_{id}" : files[i].Name;
            if (!names.Add(name))
            {
                var suffixed = $"{name}_{id}";
                for (var k = 2; !names.Add(suffixed); k++) suffixed = $"{name}_{id}_{k}";
                name = suffixed;
            }
            result.Add(new PredictionInput(id, files[i].Path, name, files[i].FileName));
        }
        return result;
    }

    /// <summary>True for a file name ending in one of <see cref="CrowdHumanDataset.ImageExtensions"/> (any case).</summary>
    public static bool IsImageFile(string path) =>
        CrowdHumanDataset.ImageExtensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    private static string StripExtension(string relative)
    {
        var dot = relative.LastIndexOf('.');
        return dot > relative.LastIndexOf('/') ? relative[..dot] : relative;
    }
}
