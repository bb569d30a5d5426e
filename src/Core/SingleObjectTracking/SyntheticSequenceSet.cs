using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Research.Core.SingleObjectTracking;

/// <summary>
/// A cached set of synthetic sequences, like a dataset: folder CACHE/sot-synthetic-KEY/ with sequences
/// 000/, 001/, ... in the <see cref="SequenceFolder"/> format and spec.json; KEY is a hash of the spec,
/// the count and the generator version, so changed parameters never reuse stale frames. The set is
/// written to a temporary folder and renamed into place, so a crash never leaves a half set behind.
/// </summary>
public static class SyntheticSequenceSet
{
    /// <summary>Bumped whenever generated pixels or boxes change, to invalidate caches.</summary>
    public const int GeneratorVersion = 1;

    /// <summary>The cache key of (spec, count): 16 hex digits.</summary>
    public static string Key(SyntheticSequenceSpec spec, int count)
    {
        var text = Describe(spec, count);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16].ToLowerInvariant();
    }

    /// <summary>
    /// Sequence folders of the set, generating the set under cacheRoot if it is not there yet. Sequence i
    /// is <see cref="SyntheticSequence.Generate"/>(spec, i).
    /// </summary>
    public static IReadOnlyList<string> Ensure(string cacheRoot, SyntheticSequenceSpec spec, int count)
    {
        spec.Validate();
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "number of synthetic sequences must be ≥ 1");
        var root = Path.Combine(cacheRoot, $"sot-synthetic-{Key(spec, count)}");
        var dirs = Enumerable.Range(0, count).Select(i => Path.Combine(root, i.ToString("D3"))).ToArray();
        if (File.Exists(Path.Combine(root, "spec.json"))) return dirs;

        Directory.CreateDirectory(cacheRoot);
        var tmp = $"{root}.tmp-{Guid.NewGuid():N}";
        try
        {
            for (var i = 0; i < count; i++)
            {
                using var sequence = SyntheticSequence.Generate(spec, i);
                sequence.Write(Path.Combine(tmp, i.ToString("D3")));
            }
            // spec.json last: its presence marks a complete set
            File.WriteAllText(Path.Combine(tmp, "spec.json"), Describe(spec, count));
            Directory.Move(tmp, root);
        }
        catch (IOException) when (File.Exists(Path.Combine(root, "spec.json")))
        {
            // another process finished the same set first; theirs is identical
        }
        finally
        {
            if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
        }
        return dirs;
    }

    private static string Describe(SyntheticSequenceSpec spec, int count) =>
        JsonSerializer.Serialize(new { generator = GeneratorVersion, count, spec }, new JsonSerializerOptions { WriteIndented = true });
}
