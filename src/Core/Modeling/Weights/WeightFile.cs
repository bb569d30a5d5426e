using static TorchSharp.torch;

namespace Research.Core.Modeling.Weights;

/// <summary>The container formats a weight file can have.</summary>
public enum WeightFileFormat
{
    /// <summary><c>torch.save</c> zip (PyTorch ≥ 1.6): a state dict, or a checkpoint dict holding it under <c>model</c>.</summary>
    TorchSave,

    /// <summary>safetensors.</summary>
    Safetensors,

    /// <summary>A pickle of numpy arrays (detectron2 / cvpods <c>.pkl</c>: model-zoo files and Caffe2 blobs).</summary>
    Pickle,

    /// <summary>This framework's training checkpoint (<c>.ckpt</c>; read by Research.Core.Training.CheckpointFile).</summary>
    Checkpoint,
}

/// <summary>
/// The tensors of one weight file, keyed as stored, with what the file says about itself. Owns the tensors
/// (CPU): dispose it when done.
/// </summary>
public sealed class WeightFile : IDisposable
{
    private readonly Dictionary<string, Tensor> _tensors;

    /// <summary>Wraps tensors read from <paramref name="path"/>; the new object owns them.</summary>
    public WeightFile(string path, WeightFileFormat format, Dictionary<string, Tensor> tensors, string? author = null,
        IReadOnlyList<string>? dropped = null, long? iteration = null)
    {
        Path = path;
        Format = format;
        _tensors = tensors;
        Author = author;
        Dropped = dropped ?? Array.Empty<string>();
        Iteration = iteration;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Its container format.</summary>
    public WeightFileFormat Format { get; }

    /// <summary>The tensors, keyed as stored.</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors => _tensors;

    /// <summary>The <c>__author__</c> of a pickle (e.g. "torchvision", "Caffe2"); null for other formats.</summary>
    public string? Author { get; }

    /// <summary>Entries left out on purpose while reading (Caffe2 <c>*_momentum</c> blobs).</summary>
    public IReadOnlyList<string> Dropped { get; }

    /// <summary>The training iteration the file records (cvpods' <c>iteration</c>, our checkpoints'), if any.</summary>
    public long? Iteration { get; }

    /// <summary>
    /// Reads a weight file, the format detected from the content: zip → torch.save, JSON header → safetensors,
    /// pickle header → a pickle of numpy arrays. Throws <see cref="FileNotFoundException"/> or
    /// <see cref="InvalidDataException"/> naming the file.
    /// </summary>
    public static WeightFile Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"weight file '{path}' does not exist", path);
        if (TorchPickleFormat.LooksLikeTorchZip(path))
        {
            var tensors = TorchPickleFormat.Read(path, out var iteration);
            return new WeightFile(path, WeightFileFormat.TorchSave, tensors, iteration: iteration);
        }
        if (SafetensorsFormat.LooksLikeSafetensors(path)) return new WeightFile(path, WeightFileFormat.Safetensors, SafetensorsFormat.Read(path));
        if (NumpyPickleFormat.LooksLikePickle(path))
        {
            var pickle = NumpyPickleFormat.Read(path);
            return new WeightFile(path, WeightFileFormat.Pickle, pickle.Tensors, pickle.Author, pickle.Dropped);
        }
        if (StartsWith(path, "RSCKPT01"u8))
            throw new InvalidDataException(
                $"{path}: a training checkpoint of this framework (.ckpt), which holds a whole detector: load it as the detector's weights (model.weights, evaluate --checkpoint), not as a backbone file");
        throw new InvalidDataException(
            $"{path}: neither a torch.save zip file, a safetensors file nor a pickle of numpy arrays (.pkl); legacy pre-1.6 torch files need re-saving with torch.save");
    }

    private static bool StartsWith(string path, ReadOnlySpan<byte> magic)
    {
        using var stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[magic.Length];
        return stream.Read(head) == magic.Length && head.SequenceEqual(magic);
    }

    /// <summary>
    /// The tensors with a <c>module.</c> prefix removed when every key has it (a model saved inside DataParallel /
    /// DistributedDataParallel; cvpods strips it the same way before loading).
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> WithoutDataParallelPrefix()
    {
        const string prefix = "module.";
        if (_tensors.Count == 0 || !_tensors.Keys.All(k => k.StartsWith(prefix, StringComparison.Ordinal))) return _tensors;
        return _tensors.ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
    }

    /// <summary>Releases the tensors.</summary>
    public void Dispose()
    {
        foreach (var t in _tensors.Values) t.Dispose();
        _tensors.Clear();
    }
}
