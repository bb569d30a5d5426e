using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Modeling.Weights;

/// <summary>
/// Loads and saves module weights as state dicts keyed like the reference (official DeFCN/cvpods) checkpoints.
/// Files: <c>torch.save</c> (a raw state dict or a checkpoint with a <c>model</c> entry), safetensors and pickles of
/// numpy arrays, recognised by content (<see cref="WeightFile"/>). Prefix mapping lets one file feed a sub-module, e.g. the <c>backbone.*</c> keys
/// of a DeFCN checkpoint into <see cref="Backbone.Fpn"/> (<c>sourcePrefix: "backbone."</c>).
/// </summary>
public static class WeightLoader
{
    /// <summary>
    /// Reads a weight file into CPU tensors, keyed as stored (the caller disposes them). The format is detected
    /// from the content (<see cref="WeightFile.Read"/>): zip → torch.save, JSON header → safetensors, pickle → numpy arrays.
    /// </summary>
    public static Dictionary<string, Tensor> ReadStateDict(string path)
    {
        var file = WeightFile.Read(path);
        return file.Tensors.ToDictionary(kv => kv.Key, kv => kv.Value);
    }

    /// <summary>
    /// Loads a weight file into <paramref name="module"/>'s parameters and buffers (copied in place, converted to
    /// their dtype and device). A file key <c>sourcePrefix + rest</c> feeds the model key <c>targetPrefix + rest</c>;
    /// file keys without <paramref name="sourcePrefix"/> are ignored. With <paramref name="strict"/> any missing,
    /// unexpected or mis-shaped key throws one <see cref="WeightLoadException"/> naming the file and all such keys,
    /// and nothing is copied; otherwise matching keys are copied and the report's Warnings list the rest. A file of
    /// which no key matches the model fails whatever <paramref name="strict"/> says.
    /// </summary>
    public static WeightLoadReport Load(nn.Module module, string path, bool strict = true, string sourcePrefix = "", string targetPrefix = "")
    {
        using var file = WeightFile.Read(path);
        return LoadStateDict(module, file.WithoutDataParallelPrefix(), path, strict, sourcePrefix, targetPrefix);
    }

    /// <summary>
    /// Same as <see cref="Load"/> from tensors already in memory; <paramref name="source"/> names them in messages.
    /// The given tensors are only read. Batch-norm <c>num_batches_tracked</c> counters never make a load fail: one the
    /// model lacks (FrozenBN) is ignored, one the file lacks keeps the model's value. <paramref name="optionalKeys"/>
    /// names further model keys the file may lack (kept as they are, listed in <see cref="WeightLoadReport.Kept"/>).
    /// </summary>
    public static WeightLoadReport LoadStateDict(nn.Module module, IReadOnlyDictionary<string, Tensor> stateDict, string source,
        bool strict = true, string sourcePrefix = "", string targetPrefix = "", IReadOnlyCollection<string>? optionalKeys = null,
        string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(stateDict);
        var target = module.state_dict();
        var mapped = new Dictionary<string, Tensor>();
        var ignored = new List<string>();
        foreach (var (key, tensor) in stateDict)
        {
            if (!key.StartsWith(sourcePrefix, StringComparison.Ordinal)) { ignored.Add(key); continue; }
            mapped[targetPrefix + key[sourcePrefix.Length..]] = tensor;
        }

        var loaded = new List<string>();
        var mismatched = new List<ShapeMismatch>();
        foreach (var (key, dest) in target)
        {
            if (!mapped.TryGetValue(key, out var src)) continue;
            if (SameShape(src, dest)) loaded.Add(key);
            else mismatched.Add(new ShapeMismatch(key, src.shape, dest.shape));
        }
        var optional = new HashSet<string>(optionalKeys ?? Array.Empty<string>(), StringComparer.Ordinal);
        var absent = target.Keys.Where(k => !mapped.ContainsKey(k)).ToList();
        var extra = mapped.Keys.Where(k => !target.ContainsKey(k)).ToList();
        ignored.AddRange(extra.Where(IsBatchCounter));
        var report = new WeightLoadReport
        {
            Source = source,
            Loaded = loaded,
            Missing = absent.Where(k => !IsBatchCounter(k) && !optional.Contains(k)).ToList(),
            Unexpected = extra.Where(k => !IsBatchCounter(k)).ToList(),
            Mismatched = mismatched,
            Ignored = ignored,
            Kept = absent.Where(k => IsBatchCounter(k) || optional.Contains(k)).ToList(),
        };
        var name = module.GetName();
        if (loaded.Count == 0 && target.Count > 0) throw new WeightLoadException(report, name);
        if (strict && !report.IsExact) throw new WeightLoadException(report, name, hint);

        using (no_grad())
        {
            foreach (var key in loaded)
            {
                var dest = target[key];
                var src = mapped[key];
                // torch.save files read through PyBridge give 0-d tensors shape (1); SameShape allowed that.
                if (src.dim() != dest.dim()) { using var view = src.reshape(dest.shape); dest.copy_(view); }
                else dest.copy_(src);
            }
        }
        return report;
    }

    /// <summary>
    /// Saves <paramref name="module"/>'s state dict (keys prefixed with <paramref name="keyPrefix"/>): safetensors
    /// when the path ends in ".safetensors", otherwise the torch.save format (loadable with torch.load).
    /// </summary>
    public static void Save(nn.Module module, string path, string keyPrefix = "")
    {
        ArgumentNullException.ThrowIfNull(module);
        var entries = module.state_dict().Select(kv => KeyValuePair.Create(keyPrefix + kv.Key, kv.Value)).ToList();
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)) SafetensorsFormat.Write(path, entries);
        else TorchPickleFormat.Write(path, entries);
    }

    private static bool IsBatchCounter(string key) => key.EndsWith(".num_batches_tracked", StringComparison.Ordinal) || key == "num_batches_tracked";

    private static bool SameShape(Tensor src, Tensor dest) =>
        src.shape.SequenceEqual(dest.shape) || (dest.dim() == 0 && src.dim() == 1 && src.shape[0] == 1);
}
