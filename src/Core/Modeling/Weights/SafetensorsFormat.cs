using Research.Core.Runtime;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Modeling.Weights;

/// <summary>
/// Reads and writes the safetensors format (huggingface/safetensors): an 8-byte little-endian header
/// length, a JSON header <c>{name: {dtype, shape, data_offsets: [begin, end]}}</c> (plus an optional
/// <c>__metadata__</c> entry), then the raw little-endian tensor bytes.
/// </summary>
public static class SafetensorsFormat
{
    private static readonly Dictionary<string, ScalarType> DTypes = new()
    {
        ["F64"] = ScalarType.Float64, ["F32"] = ScalarType.Float32, ["F16"] = ScalarType.Float16,
        ["BF16"] = ScalarType.BFloat16, ["I64"] = ScalarType.Int64, ["I32"] = ScalarType.Int32,
        ["I16"] = ScalarType.Int16, ["I8"] = ScalarType.Int8, ["U8"] = ScalarType.Byte, ["BOOL"] = ScalarType.Bool,
    };

    /// <summary>True when the file starts like a safetensors file (a plausible header length, then '{').</summary>
    public static bool LooksLikeSafetensors(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[9];
        if (stream.Read(head) < 9) return false;
        var length = BinaryPrimitives.ReadUInt64LittleEndian(head);
        return head[8] == (byte)'{' && length >= 2 && length <= (ulong)stream.Length - 8;
    }

    /// <summary>
    /// Loads every tensor of the file onto the CPU, in file order. The caller owns (and disposes) the tensors.
    /// Malformed files fail with an <see cref="InvalidDataException"/> naming the file and the entry.
    /// </summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8) throw new InvalidDataException($"{path}: not a safetensors file (only {bytes.Length} bytes)");
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > (ulong)(bytes.Length - 8))
            throw new InvalidDataException($"{path}: not a safetensors file (header length {headerLength} exceeds the file size {bytes.Length})");
        var dataStart = 8 + (int)headerLength;
        var dataLength = bytes.Length - dataStart;
        JsonDocument header;
        try { header = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: the safetensors header is not valid JSON: {e.Message}", e); }

        var result = new Dictionary<string, Tensor>();
        try
        {
            using (header)
            {
                foreach (var entry in header.RootElement.EnumerateObject())
                {
                    if (entry.Name == "__metadata__") continue;
                    var (dtype, shape, begin, end) = ParseEntry(path, entry);
                    if (begin < 0 || end < begin || end > dataLength)
                        throw new InvalidDataException($"{path}: tensor '{entry.Name}' has data offsets [{begin}, {end}] outside the {dataLength} data bytes");
                    var tensor = empty(shape, dtype);
                    var expected = tensor.NumberOfElements * tensor.ElementSize;
                    if (end - begin != expected)
                    {
                        tensor.Dispose();
                        throw new InvalidDataException($"{path}: tensor '{entry.Name}' of shape [{string.Join(", ", shape)}] needs {expected} bytes, the file gives {end - begin}");
                    }
                    if (expected > 0) tensor.bytes = bytes.AsSpan(dataStart + (int)begin, (int)expected);
                    result.Add(entry.Name, tensor);
                }
            }
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>
    /// Writes the tensors (any device, any layout) in the given order. The file is written to a temporary
    /// name first and renamed, so a failed write never leaves a truncated file behind.
    /// </summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        // The scope releases the CPU copies; the caller's tensors were made outside it and are untouched.
        using var scope = NewDisposeScope();
        var cpu = new List<(string Name, Tensor Data, string DType)>();
        {
            var header = new Dictionary<string, object>();
            long offset = 0;
            foreach (var (name, t) in tensors)
            {
                var dtypeName = DTypes.FirstOrDefault(kv => kv.Value == t.dtype).Key
                    ?? throw new ArgumentException($"tensor '{name}' has dtype {t.dtype}, which safetensors cannot store");
                var data = t.detach().cpu().contiguous();
                var length = data.NumberOfElements * data.ElementSize;
                header[name] = new { dtype = dtypeName, shape = data.shape, data_offsets = new[] { offset, offset + length } };
                offset += length;
                cpu.Add((name, data, dtypeName));
            }
            var json = JsonSerializer.SerializeToUtf8Bytes(header);
            var padding = (8 - json.Length % 8) % 8;   // align the data start to 8 bytes, as the reference writer does
            AtomicFile.Write(path, stream =>
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)(json.Length + padding));
                stream.Write(length);
                stream.Write(json);
                for (var i = 0; i < padding; i++) stream.WriteByte((byte)' ');
                foreach (var (_, data, _) in cpu)
                    if (data.NumberOfElements > 0) stream.Write(data.bytes);
            });
        }
    }

    private static (ScalarType DType, long[] Shape, long Begin, long End) ParseEntry(string path, JsonProperty entry)
    {
        try
        {
            var value = entry.Value;
            var dtypeName = value.GetProperty("dtype").GetString() ?? "";
            if (!DTypes.TryGetValue(dtypeName, out var dtype))
                throw new InvalidDataException($"{path}: tensor '{entry.Name}' has dtype '{dtypeName}', which is not supported ({string.Join(", ", DTypes.Keys)})");
            var shape = value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var offsets = value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            if (offsets.Length != 2) throw new InvalidDataException($"{path}: tensor '{entry.Name}' needs two data offsets, has {offsets.Length}");
            return (dtype, shape, offsets[0], offsets[1]);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: safetensors entry '{entry.Name}' is malformed: {e.Message}", e);
        }
    }
}
