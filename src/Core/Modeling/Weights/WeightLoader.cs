using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Modeling.Weights;

/// <summary>
/// Loads and saves module weights as state dicts keyed like the reference (official DeFCN/cvpods) checkpoints.
/// Files: <c>torch.save</c> (a raw state dict or a checkpoint with a <c>model</c> entry) and safetensors,
/// recognised by content. Prefix mapping lets one file feed a sub-module, e.g. the <c>backbone.*</c> keys
/// of a DeFCN checkpoint into <see cref="Backbone.Fpn"/> (<c>sourcePrefix: "backbone."</c>).
/// </summary>
public static class WeightLoader
{
    /// <summary>
    /// Reads a weight file into CPU tensors, keyed as stored (the caller disposes them). The format is detected
    /// from the content: zip → torch.save, JSON header → safetensors.
    /// </summary>
    public static Dictionary<string, Tensor> ReadStateDict(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"weight file '{path}' does not exist", path);
        if (TorchPickleFormat.LooksLikeTorchZip(path)) return TorchPickleFormat.Read(path);
        if (SafetensorsFormat.LooksLikeSafetensors(path)) return SafetensorsFormat.Read(path);
        throw new InvalidDataException(
            $"{path}: neither a torch.save zip file nor a safetensors file (legacy pre-1.6 torch files and Detectron .pkl files are not supported; re-save with torch.save)");
    }

    /// <summary>
    /// Loads a weight file into <paramref name="module"/>'s parameters and buffers (copied in place, converted to
    /// their dtype and device). A file key <c>sourcePrefix + rest</c> feeds the model key <c>targetPrefix + rest</c>;
    /// file keys without <paramref name="sourcePrefix"/> are ignored. With <paramref name="strict"/> any missing,
    /// unexpected or mis-shaped key throws one <see cref="WeightLoadException"/> naming the file and all such keys,
    /// and nothing is copied; otherwise matching keys are copied and the report's Warnings list the rest.
    /// </summary>
    public static WeightLoadReport Load(nn.Module module, string path, bool strict = true, string sourcePrefix = "", string targetPrefix = "")
    {
        var file = ReadStateDict(path);
        try { return LoadStateDict(module, file, path, strict, sourcePrefix, targetPrefix); }
        finally { foreach (var t in file.Values) t.Dispose(); }
    }

    /// <summary>
    /// Same as <see cref="Load"/> from tensors already in memory; <paramref name="source"/> names them in messages.
    /// The given tensors are only read.
    /// </summary>
    public static WeightLoadReport LoadStateDict(nn.Module module, IReadOnlyDictionary<string, Tensor> stateDict, string source,
        bool strict = true, string sourcePrefix = "", string targetPrefix = "")
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
        var report = new WeightLoadReport
        {
            Source = source,
            Loaded = loaded,
            Missing = target.Keys.Where(k => !mapped.ContainsKey(k)).ToList(),
            Unexpected = mapped.Keys.Where(k => !target.ContainsKey(k)).ToList(),
            Mismatched = mismatched,
            Ignored = ignored,
        };
        if (strict && !report.IsExact) throw new WeightLoadException(report, module.GetName());

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

    private static bool SameShape(Tensor src, Tensor dest) =>
        src.shape.SequenceEqual(dest.shape) || (dest.dim() == 0 && src.dim() == 1 && src.shape[0] == 1);
}
