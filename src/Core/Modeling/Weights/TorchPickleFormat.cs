using Research.Core.Runtime;
using System.Collections;
using System.Collections.Specialized;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Research.Core.Modeling.Weights;

/// <summary>
/// State dicts in PyTorch's <c>torch.save</c> (zip + pickle) format, through TorchSharp.PyBridge. Reads a raw
/// state dict or a checkpoint dict holding it under <c>model</c> (as cvpods/detectron2 checkpoints do).
/// </summary>
public static class TorchPickleFormat
{
    /// <summary>True when the file is a zip archive (the torch.save format since PyTorch 1.6).</summary>
    public static bool LooksLikeTorchZip(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[4];
        return stream.Read(head) == 4 && head[0] == 0x50 && head[1] == 0x4B && head[2] == 0x03 && head[3] == 0x04;
    }

    /// <summary>
    /// Loads the state dict of a torch.save file: the top-level dict, or its <c>model</c> entry when there is one.
    /// Only tensor entries are returned (CPU, caller owns them); everything else in the file (optimizer state,
    /// iteration, …) is read and released. Zero-dimensional tensors come back with shape (1) (a PyBridge
    /// limitation; <see cref="WeightLoader"/> accepts them for 0-d targets).
    /// </summary>
    public static Dictionary<string, Tensor> Read(string path) => Read(path, out _);

    /// <summary>
    /// As <see cref="Read(string)"/>; <paramref name="iteration"/> is the checkpoint's integer <c>iteration</c> entry
    /// (cvpods writes max_iter − 1 into model_final.pth), null when there is none.
    /// </summary>
    public static Dictionary<string, Tensor> Read(string path, out long? iteration)
    {
        Hashtable top;
        try { top = PyTorchUnpickler.UnpickleStateDict(path); }
        catch (Exception e) when (e is not IOException and not UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: cannot read as a torch.save state dict: {e.Message}", e);
        }

        iteration = top["iteration"] switch
        {
            int i => i,
            long l => l,
            _ => null,
        };
        var result = new Dictionary<string, Tensor>();
        IDictionary source = top;
        if (top["model"] is IDictionary model) source = model;
        else if (top.ContainsKey("model"))
            throw new InvalidDataException($"{path}: the checkpoint's 'model' entry is a {top["model"]?.GetType().Name ?? "null"}, not a state dict");
        foreach (DictionaryEntry kv in source)
            if (kv.Key is string name && kv.Value is Tensor t) result[name] = t;
        DisposeTensors(top, new HashSet<object>(result.Values, ReferenceEqualityComparer.Instance));
        if (result.Count == 0)
        {
            var keys = string.Join(", ", top.Keys.Cast<object>().Select(k => k.ToString()).Take(10));
            throw new InvalidDataException($"{path}: holds no tensors (top-level keys: {keys}); expected a state dict or a checkpoint with a 'model' state dict");
        }
        return result;
    }

    /// <summary>Writes tensors (any device) as a plain dict loadable with <c>torch.load</c>, keys in the given order.</summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        // The scope releases the CPU copies; the caller's tensors were made outside it and are untouched.
        using var scope = NewDisposeScope();
        var dict = new OrderedDictionary();
        foreach (var (name, t) in tensors) dict[name] = t.detach().cpu().contiguous();
        AtomicFile.Write(path, stream => PyTorchPickler.PickleStateDict(stream, dict, leaveOpen: true));
    }

    private static void DisposeTensors(object? node, ISet<object> keep)
    {
        switch (node)
        {
            case Tensor t when !keep.Contains(t):
                t.Dispose();
                break;
            case IDictionary d:
                foreach (DictionaryEntry e in d) DisposeTensors(e.Value, keep);
                break;
            case IEnumerable list and not string:
                foreach (var item in list) DisposeTensors(item, keep);
                break;
        }
    }
}
