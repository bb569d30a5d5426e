using Research.Core.Data;
using System.Globalization;
using System.Text.RegularExpressions;
using Research.Core.Data.Crops;

namespace Research.Core.SingleObjectTracking;

/// <summary>
/// The folder format of a tracking sequence (the layout of GOT-10k, close to OTB):
/// <code>
/// SEQUENCE/
///   00000001.png  00000002.png  ...   frames numbered from 1, any zero padding, .png, .jpg or .jpeg
///                                     (or the same inside an img/ subfolder, as OTB has them)
///   groundtruth.txt                   one "x,y,w,h" line per frame (also read: groundtruth_rect.txt)
/// </code>
/// See <see cref="GroundTruthFile"/> for the box format. Reading checks: no missing frame numbers, as many
/// boxes as frames, the first box's centre inside the first frame (the tracker starts there).
/// </summary>
public static partial class SequenceFolder
{
    /// <summary>File name of the ground truth written by <see cref="Write"/>.</summary>
    public const string GroundTruthName = "groundtruth.txt";

    [GeneratedRegex(@"^(\d+)\.(png|jpe?g)$", RegexOptions.IgnoreCase)]
    private static partial Regex FrameName();

    /// <summary>Reads a sequence folder; every error names the folder, file or line at fault.</summary>
    public static TrackingSequence Read(string directory)
    {
        if (!System.IO.Directory.Exists(directory)) throw new DirectoryNotFoundException($"sequence folder not found: {directory}");
        var frames = ListFrames(directory);
        if (frames.Count == 0 && System.IO.Directory.Exists(Path.Combine(directory, "img"))) frames = ListFrames(Path.Combine(directory, "img"));
        if (frames.Count == 0) throw new InvalidDataException($"{directory}: no frames (expected numbered files 00000001.png, 00000002.png, ... or .jpg)");

        for (var i = 0; i < frames.Count; i++)
        {
            var expected = i + 1L;
            if (frames[i].Number == expected) continue;
            if (frames[i].Number == frames[Math.Max(0, i - 1)].Number && i > 0)
                throw new InvalidDataException($"{directory}: frame number {frames[i].Number} appears twice ({Path.GetFileName(frames[i - 1].Path)} and {Path.GetFileName(frames[i].Path)})");
            var width = Path.GetFileNameWithoutExtension(frames[i].Path).Length;
            var missing = expected.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0');
            throw new InvalidDataException(i == 0
                ? $"{directory}: missing frame {missing} (frames must be numbered from 1; the first is {Path.GetFileName(frames[0].Path)})"
                : $"{directory}: missing frame {missing} (after {Path.GetFileName(frames[i - 1].Path)}, next present is {Path.GetFileName(frames[i].Path)})");
        }

        var gtPath = Path.Combine(directory, GroundTruthName);
        if (!File.Exists(gtPath) && File.Exists(Path.Combine(directory, "groundtruth_rect.txt"))) gtPath = Path.Combine(directory, "groundtruth_rect.txt");
        if (!File.Exists(gtPath)) throw new FileNotFoundException($"{directory}: no {GroundTruthName} (one x,y,w,h line per frame)", gtPath);
        var truth = GroundTruthFile.Read(gtPath);
        if (truth.Count != frames.Count)
            throw new InvalidDataException($"{gtPath}: {truth.Count} boxes for {frames.Count} frames in {directory} (one line per frame expected)");

        var (w, h) = FrameImage.ReadSize(frames[0].Path);
        var first = truth[0];
        if (!(first.CenterX >= 0 && first.CenterX <= w && first.CenterY >= 0 && first.CenterY <= h))
            throw new InvalidDataException($"{gtPath}:1: first box {GroundTruthFile.Format(first)} (x,y,w,h) has its centre outside the first frame {Path.GetFileName(frames[0].Path)} ({w}×{h})");

        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));
        return new TrackingSequence(name, directory, frames.Select(f => f.Path).ToArray(), truth, w, h);
    }

    /// <summary>
    /// The sequences under a path: the path itself when it is a sequence folder (numbered frames, directly or in
    /// img/, or a ground-truth file), else every non-hidden subfolder in name order, each read with
    /// <see cref="Read"/>. A path that is neither is an error naming it.
    /// </summary>
    public static IReadOnlyList<TrackingSequence> ReadOneOrMany(string path)
    {
        if (!System.IO.Directory.Exists(path)) throw new DirectoryNotFoundException($"sequence folder not found: {path}");
        var isSequence = ListFrames(path).Count > 0
            || File.Exists(Path.Combine(path, GroundTruthName)) || File.Exists(Path.Combine(path, "groundtruth_rect.txt"))
            || (System.IO.Directory.Exists(Path.Combine(path, "img")) && ListFrames(Path.Combine(path, "img")).Count > 0);
        if (isSequence) return new[] { Read(path) };
        var children = System.IO.Directory.EnumerateDirectories(path)
            .Where(d => !Path.GetFileName(d).StartsWith('.'))
            .OrderBy(d => d, StringComparer.Ordinal)
            .ToArray();
        if (children.Length == 0)
            throw new InvalidDataException($"{path}: neither a sequence folder (numbered frames and {GroundTruthName}) nor a folder of sequence folders");
        return children.Select(Read).ToArray();
    }

    /// <summary>Name of frame i (0-based) as written: 8-digit, 1-based, .png.</summary>
    public static string FrameFileName(int index) => (index + 1).ToString("D8", CultureInfo.InvariantCulture) + ".png";

    /// <summary>
    /// Writes a sequence folder: frames[i] (3, H, W) float RGB 0..255, or already-encoded bitmaps via
    /// <see cref="FrameImage.SavePng(SkiaSharp.SKBitmap, string)"/>, plus the ground truth.
    /// </summary>
    public static void Write(string directory, IReadOnlyList<TorchSharp.torch.Tensor> frames, IReadOnlyList<BoxXyxy> truth)
    {
        if (frames.Count != truth.Count) throw new ArgumentException($"{frames.Count} frames but {truth.Count} boxes");
        System.IO.Directory.CreateDirectory(directory);
        for (var i = 0; i < frames.Count; i++) FrameImage.SavePng(frames[i], Path.Combine(directory, FrameFileName(i)));
        GroundTruthFile.Write(Path.Combine(directory, GroundTruthName), truth);
    }

    private static List<(long Number, string Path)> ListFrames(string directory) =>
        System.IO.Directory.EnumerateFiles(directory)
            .Select(p => (Match: FrameName().Match(Path.GetFileName(p)), Path: p))
            .Where(m => m.Match.Success)
            .Select(m => (long.Parse(m.Match.Groups[1].Value, CultureInfo.InvariantCulture), m.Path))
            .OrderBy(f => f.Item1).ThenBy(f => f.Path, StringComparer.Ordinal)
            .ToList();
}
