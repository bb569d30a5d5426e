using System.Globalization;
using System.Text.RegularExpressions;

namespace Research.Core.Training;

/// <summary>
/// The checkpoints of one run in one folder, named <c>model_{iteration:D7}.ckpt</c> after the number of
/// completed iterations (as detectron2/cvpods name theirs), the newest K kept. Finds the newest complete one
/// for <c>resume: auto</c>: files that fail verification are reported, renamed to <c>*.corrupt</c> (kept for
/// inspection, never considered again) and skipped.
/// </summary>
public sealed partial class CheckpointStore
{
    /// <summary>Opens (creating if needed) a checkpoint folder.</summary>
    /// <param name="directory">The folder.</param>
    /// <param name="keepLast">How many newest checkpoints to keep (≥ 1).</param>
    public CheckpointStore(string directory, int keepLast = 3)
    {
        if (keepLast < 1) throw new ArgumentException($"checkpoint keep_last must be >= 1, got {keepLast}.");
        if (string.IsNullOrWhiteSpace(directory)) throw new ArgumentException("checkpoint directory must not be empty.");
        Directory = Path.GetFullPath(directory);
        KeepLast = keepLast;
    }

    /// <summary>The folder holding the checkpoints.</summary>
    public string Directory { get; }

    /// <summary>How many newest checkpoints are kept.</summary>
    public int KeepLast { get; }

    /// <summary>Test hook: called with the temporary file's path after it is fully written, before the rename.</summary>
    internal Action<string>? BeforeRename { get; set; }

    /// <summary>
    /// Fault injection for tests that signal or kill a training process in the middle of a save: when this
    /// environment variable holds a number N, every save waits N ms between writing the temporary file and
    /// renaming it.
    /// </summary>
    public const string SaveDelayVariable = "RESEARCH_FAULT_CHECKPOINT_DELAY_MS";

    private static Action<string>? DelayFromEnvironment() =>
        int.TryParse(Environment.GetEnvironmentVariable(SaveDelayVariable), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) && ms > 0
            ? _ => Thread.Sleep(ms)
            : null;

    /// <summary>The path of the checkpoint after <paramref name="iteration"/> completed iterations.</summary>
    public string PathFor(long iteration) => Path.Combine(Directory, $"model_{iteration.ToString("D7", CultureInfo.InvariantCulture)}.ckpt");

    /// <summary>Checkpoint files present (complete or not), oldest first, with their iteration.</summary>
    public IReadOnlyList<(long Iteration, string Path)> List()
    {
        if (!System.IO.Directory.Exists(Directory)) return Array.Empty<(long, string)>();
        return System.IO.Directory.EnumerateFiles(Directory, "model_*.ckpt")
            .Select(p => (Match: NamePattern().Match(Path.GetFileName(p)), Path: p))
            .Where(x => x.Match.Success)
            .Select(x => (long.Parse(x.Match.Groups[1].Value, CultureInfo.InvariantCulture), x.Path))
            .OrderBy(x => x.Item1)
            .ToList();
    }

    /// <summary>
    /// Writes the checkpoint of <paramref name="iteration"/> atomically (see <see cref="CheckpointFile.Write(string, TorchSharp.torch.nn.Module, TorchSharp.Modules.OptimizerHelper?, long, long, IReadOnlyDictionary{string, string}?, bool)"/>),
    /// removes leftovers of interrupted writes, then deletes all but the newest <see cref="KeepLast"/>. Returns the path.
    /// </summary>
    public string Save(TorchSharp.torch.nn.Module model, TorchSharp.Modules.OptimizerHelper? optimizer, long iteration, long maxIter,
        IReadOnlyDictionary<string, string>? extra = null, bool includeRngState = true)
    {
        var path = PathFor(iteration);
        CheckpointFile.Write(path, model, optimizer, iteration, maxIter, extra, includeRngState, BeforeRename ?? DelayFromEnvironment());
        foreach (var stale in System.IO.Directory.EnumerateFiles(Directory, ".model_*.ckpt.tmp")) TryDelete(stale);
        Prune();
        return path;
    }

    /// <summary>Deletes all but the newest <see cref="KeepLast"/> checkpoints (by iteration). Returns the deleted paths.</summary>
    public IReadOnlyList<string> Prune()
    {
        var all = List();
        var deleted = new List<string>();
        for (var i = 0; i < all.Count - KeepLast; i++)
        {
            TryDelete(all[i].Path);
            deleted.Add(all[i].Path);
        }
        return deleted;
    }

    /// <summary>
    /// The newest checkpoint that verifies as complete, or null. Each newer file that fails verification is
    /// reported through <paramref name="warn"/> (naming the file and the problem) and renamed to <c>*.corrupt</c>.
    /// </summary>
    public string? FindNewestComplete(Action<string>? warn = null)
    {
        foreach (var (iteration, path) in List().Reverse())
        {
            var check = CheckpointFile.Verify(path);
            if (check.IsComplete) return path;
            var moved = path + ".corrupt";
            try { File.Move(path, moved, overwrite: true); }
            catch (IOException) { moved = path; }
            warn?.Invoke($"checkpoint '{path}' (iteration {iteration}) is {check.Problem}; skipped" +
                         (moved != path ? $" and renamed to '{Path.GetFileName(moved)}'." : "."));
        }
        return null;
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { /* another process holds it: pruning again next time is enough */ }
    }

    [GeneratedRegex(@"^model_(\d+)\.ckpt$")]
    private static partial Regex NamePattern();
}
