using Razorvine.Pickle;
using System.Collections;
using System.Numerics;
using static TorchSharp.torch;

namespace Research.Core.Modeling.Weights;

/// <summary>
/// What a <c>.pkl</c> weight file held: its arrays as tensors and who wrote it.
/// </summary>
/// <param name="Tensors">The arrays, keyed as stored (CPU tensors; the caller owns them).</param>
/// <param name="Author">The file's <c>__author__</c> (detectron2 / cvpods model-zoo files, e.g. "torchvision" for
/// detectron2's convert-torchvision-to-d2.py output), or "Caffe2" for a plain dict of blobs (MSRA / Detectron files),
/// as cvpods' Checkpointer labels them.</param>
/// <param name="Dropped">Blobs left out on purpose: Caffe2 <c>*_momentum</c> solver state, as cvpods drops it.</param>
public sealed record PickleWeights(Dictionary<string, Tensor> Tensors, string Author, IReadOnlyList<string> Dropped)
{
    /// <summary>The author cvpods assigns to files without one (Caffe2 / Detectron blobs).</summary>
    public const string Caffe2Author = "Caffe2";
}

/// <summary>
/// Reads the pickled weight files of detectron2 and cvpods (<c>.pkl</c>, read there with <c>pickle.load(f,
/// encoding="latin1")</c>, cvpods checkpoint/checkpoint.py l.364-383): either a model-zoo file
/// <c>{"model": {name: numpy array}, "__author__": …}</c>, or a Caffe2 / Detectron file — a plain dict of numpy arrays
/// (the MSRA ImageNet R-50.pkl), or one under <c>"blobs"</c> (Detectron detection models). Any pickle protocol,
/// Python 2 or 3. Unpickling goes through Razorvine.Pickle, which builds only known types (no code runs).
/// </summary>
public static class NumpyPickleFormat
{
    /// <summary>True when the file starts with a pickle protocol 2-5 header (as detectron2/cvpods .pkl files do).</summary>
    public static bool LooksLikePickle(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[2];
        return stream.Read(head) == 2 && head[0] == 0x80 && head[1] is >= 2 and <= 5;
    }

    /// <summary>
    /// Loads every array of the file as a CPU tensor. Malformed files, non-array entries in the weights and numpy
    /// types without a tensor type fail with an <see cref="InvalidDataException"/> naming the file and the entry.
    /// </summary>
    public static PickleWeights Read(string path)
    {
        NumpyArrayConstructors.Register();
        object top;
        try
        {
            using var stream = File.OpenRead(path);
            using var unpickler = new Unpickler();
            top = unpickler.load(stream);
        }
        catch (Exception e) when (e is not (FileNotFoundException or UnauthorizedAccessException or OutOfMemoryException))
        {
            throw new InvalidDataException($"{path}: cannot read as a pickle of numpy arrays: {e.Message}", e);
        }
        if (top is long or int or BigInteger)
            throw new InvalidDataException(
                $"{path}: a torch.save file in the legacy (PyTorch < 1.6) format; re-save it with a newer PyTorch: torch.save(torch.load(f), f2)");
        if (top is not IDictionary dict)
            throw new InvalidDataException($"{path}: the pickle holds a {top?.GetType().Name ?? "None"}, not a dict of weights");

        IDictionary blobs;
        string author;
        if (dict.Contains("model") && dict.Contains("__author__"))
        {
            blobs = dict["model"] as IDictionary
                ?? throw new InvalidDataException($"{path}: the 'model' entry is a {dict["model"]?.GetType().Name ?? "None"}, not a dict of arrays");
            author = dict["__author__"]?.ToString() ?? "";
        }
        else
        {
            blobs = dict.Contains("blobs") && dict["blobs"] is IDictionary inner ? inner : dict;   // Detection models have "blobs"
            author = PickleWeights.Caffe2Author;
        }

        var tensors = new Dictionary<string, Tensor>();
        var dropped = new List<string>();
        try
        {
            foreach (DictionaryEntry entry in blobs)
            {
                var name = entry.Key as string ?? throw new InvalidDataException($"{path}: a weight key is a {entry.Key.GetType().Name}, not a string");
                if (author == PickleWeights.Caffe2Author && name.EndsWith("_momentum", StringComparison.Ordinal))
                {
                    dropped.Add(name);
                    continue;
                }
                if (entry.Value is not NumpyArray array)
                    throw new InvalidDataException($"{path}: entry '{name}' is a {entry.Value?.GetType().Name ?? "None"}, not a numpy array (cvpods refuses such files too)");
                try { tensors.Add(name, array.ToTensor(name)); }
                catch (InvalidDataException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
            }
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
        if (tensors.Count == 0) throw new InvalidDataException($"{path}: the pickle holds no numpy arrays");
        dropped.Sort(StringComparer.Ordinal);
        return new PickleWeights(tensors, author, dropped);
    }
}
