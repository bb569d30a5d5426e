using Research.Core.Runtime;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Training;

/// <summary>
/// One training checkpoint in one file: model state dict, optimizer state (SGD momentum buffers and group
/// options), torch's RNG state and metadata (iteration, schedule). Layout:
/// <c>"RSCKPT01" | metadata JSON | model | optimizer | rng | length (int64) | SHA-256 of all before | "RSCKEND1"</c>.
/// The trailer makes a truncated or corrupted file detectable before anything is loaded into the model.
/// Tensors use TorchSharp's own format (Module.save / Tensor.Save); the file is for this framework, not PyTorch.
/// </summary>
public static class CheckpointFile
{
    private static readonly byte[] Magic = "RSCKPT01"u8.ToArray();
    private static readonly byte[] EndMagic = "RSCKEND1"u8.ToArray();
    private const int TrailerLength = 8 + 32 + 8;

    /// <summary>
    /// Writes a checkpoint atomically: into a temporary file next to <paramref name="path"/>, flushed to disk
    /// (fsync), then renamed over <paramref name="path"/>, then the folder is synced. A crash at any point
    /// leaves either the old file or the complete new one. Tensors may live on any device.
    /// </summary>
    /// <param name="path">Destination file.</param>
    /// <param name="model">Model whose state dict (parameters and buffers) is saved.</param>
    /// <param name="optimizer">Optimizer whose state is saved, or null.</param>
    /// <param name="iteration">Completed iterations.</param>
    /// <param name="maxIter">The run's max_iter.</param>
    /// <param name="extra">Free metadata.</param>
    /// <param name="includeRngState">Whether torch's CPU generator state is saved (restored on resume).</param>
    public static void Write(string path, nn.Module model, TorchSharp.Modules.OptimizerHelper? optimizer, long iteration, long maxIter,
        IReadOnlyDictionary<string, string>? extra = null, bool includeRngState = true)
        => Write(path, model, optimizer, iteration, maxIter, extra, includeRngState, beforeRename: null);

    /// <summary>As the public overload; <paramref name="beforeRename"/> lets tests simulate a crash between write and rename.</summary>
    internal static void Write(string path, nn.Module model, TorchSharp.Modules.OptimizerHelper? optimizer, long iteration, long maxIter,
        IReadOnlyDictionary<string, string>? extra, bool includeRngState, Action<string>? beforeRename)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var tmp = TempPathFor(full);
        var meta = new CheckpointMetadata(iteration, maxIter, DateTime.UtcNow.ToString("O"), optimizer != null, includeRngState,
            extra ?? new Dictionary<string, string>());
        AtomicFile.Write(full, file =>
        {
            long length;
            byte[] digest;
            using (var hashing = new HashingWriteStream(file))
            using (var w = new BinaryWriter(hashing, Encoding.UTF8, leaveOpen: true))
            {
                w.Write(Magic);
                w.Write(JsonSerializer.Serialize(meta));
                model.save(w);
                if (optimizer != null) optimizer.save_state_dict(w);
                if (includeRngState)
                {
                    using var rng = torch.get_rng_state();
                    rng.Save(w);
                }
                w.Flush();
                length = hashing.Length;
                digest = hashing.CurrentHash();
            }
            using (var w = new BinaryWriter(file, Encoding.UTF8, leaveOpen: true))
            {
                w.Write(length);
                w.Write(digest);
                w.Write(EndMagic);
            }
        }, tempPath: tmp, durable: true, beforeRename: beforeRename, bufferSize: 1 << 20);
        SyncDirectory(dir);
    }

    /// <summary>Checks that a file is a complete checkpoint (magic, trailer, length and SHA-256 digest) without loading it.</summary>
    public static CheckpointCheck Verify(string path)
    {
        try
        {
            using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            if (f.Length < Magic.Length + TrailerLength) return new(path, $"truncated ({f.Length} bytes)");
            var head = new byte[Magic.Length];
            f.ReadExactly(head);
            if (!head.AsSpan().SequenceEqual(Magic)) return new(path, "not a checkpoint (bad magic bytes)");
            f.Seek(-TrailerLength, SeekOrigin.End);
            var trailer = new byte[TrailerLength];
            f.ReadExactly(trailer);
            if (!trailer.AsSpan(40).SequenceEqual(EndMagic)) return new(path, "truncated (no end marker; the write did not finish)");
            var length = BitConverter.ToInt64(trailer, 0);
            if (length != f.Length - TrailerLength) return new(path, $"truncated or padded (content {length} bytes, file {f.Length})");
            f.Seek(0, SeekOrigin.Begin);
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buf = new byte[1 << 20];
            for (var left = length; left > 0;)
            {
                var n = f.Read(buf, 0, (int)Math.Min(buf.Length, left));
                if (n <= 0) return new(path, "truncated while reading");
                sha.AppendData(buf, 0, n);
                left -= n;
            }
            if (!sha.GetHashAndReset().AsSpan().SequenceEqual(trailer.AsSpan(8, 32))) return new(path, "corrupt (SHA-256 digest mismatch)");
            return new(path, null);
        }
        catch (IOException e)
        {
            return new(path, $"unreadable ({e.Message})");
        }
        catch (UnauthorizedAccessException e)
        {
            return new(path, $"unreadable ({e.Message})");
        }
    }

    /// <summary>Reads only the metadata of a verified checkpoint; throws <see cref="InvalidDataException"/> naming the file if it is not complete.</summary>
    public static CheckpointMetadata ReadMetadata(string path)
    {
        RequireComplete(path);
        using var f = File.OpenRead(path);
        using var r = new BinaryReader(f, Encoding.UTF8);
        r.ReadBytes(Magic.Length);
        return ParseMetadata(path, r.ReadString());
    }

    /// <summary>
    /// Verifies and loads a checkpoint into <paramref name="model"/> (strict: same parameter names and shapes),
    /// the optimizer (momentum buffers; must have the same groups) and, when asked, torch's RNG state.
    /// Throws <see cref="InvalidDataException"/> naming the file when it is incomplete or does not fit the model.
    /// </summary>
    public static CheckpointMetadata Load(string path, nn.Module model, TorchSharp.Modules.OptimizerHelper? optimizer = null, bool restoreRngState = true)
    {
        RequireComplete(path);
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        using var r = new BinaryReader(f, Encoding.UTF8);
        r.ReadBytes(Magic.Length);
        var meta = ParseMetadata(path, r.ReadString());
        try
        {
            model.load(r, strict: true);
            if (optimizer != null)
            {
                if (!meta.HasOptimizer) throw new InvalidDataException("it holds no optimizer state");
                optimizer.load_state_dict(r);
                // Loaded momentum buffers are new tensors: keep them out of any dispose scope the caller has open.
                foreach (var s in optimizer.state_dict().State)
                    if (s is TorchSharp.Modules.SGD.State sgd) sgd.momentum_buffer?.DetachFromDisposeScope();
            }
            if (restoreRngState && meta.HasRngState)
            {
                if (optimizer == null && meta.HasOptimizer)
                    throw new ArgumentException("restoring the RNG state needs the optimizer to be loaded too (it is stored after it)");
                using var rng = TorchSharp.TensorExtensionMethods.Load(r);
                torch.set_rng_state(rng);
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or EndOfStreamException)
        {
            throw new InvalidDataException($"checkpoint '{path}' does not fit this model/optimizer: {e.Message}", e);
        }
        return meta;
    }

    /// <summary>True when the file starts with a checkpoint's magic bytes (it may still be incomplete: see <see cref="Verify"/>).</summary>
    public static bool LooksLikeCheckpoint(string path)
    {
        using var f = File.OpenRead(path);
        var head = new byte[Magic.Length];
        return f.Read(head, 0, head.Length) == head.Length && head.AsSpan().SequenceEqual(Magic);
    }

    /// <summary>
    /// Verifies a checkpoint and reads its model state dict into new CPU tensors keyed as the model's state dict (the
    /// caller disposes them), without a model to load into: for loading with name and shape reports
    /// (Research.Core.Modeling.Weights.WeightLoader). Throws <see cref="InvalidDataException"/> naming the file when
    /// it is incomplete or unreadable.
    /// </summary>
    public static (Dictionary<string, Tensor> State, CheckpointMetadata Metadata) ReadModelState(string path)
    {
        RequireComplete(path);
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        using var r = new BinaryReader(f, Encoding.UTF8);
        r.ReadBytes(Magic.Length);
        var meta = ParseMetadata(path, r.ReadString());
        var state = new Dictionary<string, Tensor>();
        try
        {
            // TorchSharp's Module.save layout: the entry count (unsigned LEB128), then per entry its name and the tensor.
            var count = ReadLeb128(r);
            for (long i = 0; i < count; i++)
            {
                var name = r.ReadString();
                state[name] = TensorExtensionMethods.Load(r);
            }
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentException or IOException)
        {
            foreach (var t in state.Values) t.Dispose();
            throw new InvalidDataException($"checkpoint '{path}': cannot read the model state: {e.Message}", e);
        }
        return (state, meta);
    }

    private static long ReadLeb128(BinaryReader r)
    {
        long value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = r.ReadByte();
            value |= (long)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new InvalidDataException("malformed entry count");
    }

    /// <summary>Loads only the model weights of a checkpoint (e.g. for evaluation); strict on names and shapes.</summary>
    public static CheckpointMetadata LoadModel(string path, nn.Module model) => Load(path, model, optimizer: null, restoreRngState: false);

    /// <summary>The temporary name a checkpoint is written under before the rename (same folder, so the rename is atomic).</summary>
    public static string TempPathFor(string path) => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "." + Path.GetFileName(path) + ".tmp");

    private static void RequireComplete(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"checkpoint '{path}' does not exist.", path);
        var check = Verify(path);
        if (!check.IsComplete) throw new InvalidDataException($"checkpoint '{path}' is {check.Problem}.");
    }

    private static CheckpointMetadata ParseMetadata(string path, string json)
    {
        try
        {
            return JsonSerializer.Deserialize<CheckpointMetadata>(json) ?? throw new InvalidDataException("empty metadata");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"checkpoint '{path}' has unreadable metadata: {e.Message}", e);
        }
    }

    // fsync of the folder makes the rename itself durable (POSIX); best effort, Linux only.
    private static void SyncDirectory(string dir)
    {
        if (!OperatingSystem.IsLinux()) return;
        const int O_RDONLY = 0, O_DIRECTORY = 0x10000;
        var fd = open(dir, O_RDONLY | O_DIRECTORY);
        if (fd < 0) return;
        fsync(fd);
        close(fd);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int fsync(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);
}
