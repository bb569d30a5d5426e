using Razorvine.Pickle;
using System.Collections;
using System.Globalization;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Modeling.Weights;

/// <summary>
/// Rebuilds numpy arrays from a pickle stream for Razorvine.Pickle. numpy pickles an array (ndarray.__reduce__) as
/// <c>numpy.core.multiarray._reconstruct(numpy.ndarray, (0,), b'b')</c> followed by BUILD with the state
/// <c>(version, shape, dtype, is_fortran, raw bytes)</c>, and its dtype as <c>numpy.dtype('f4', False, True)</c>
/// followed by BUILD with <c>(3, '&lt;', …)</c> (byte order second); numpy scalars as
/// <c>numpy.core.multiarray.scalar(dtype, raw bytes)</c>. numpy 2 names the module <c>numpy._core.multiarray</c>.
/// Python 2 pickles (the MSRA / Detectron files) carry the raw bytes as a byte string, which Razorvine hands over
/// as a string of chars 0..255; Python 3 pickles (protocol 2) as <c>_codecs.encode(str, 'latin1')</c> (a byte
/// array) or, from protocol 3 on, as bytes.
/// </summary>
internal static class NumpyArrayConstructors
{
    private static readonly object Gate = new();
    private static bool _registered;

    /// <summary>
    /// Registers the constructors with Razorvine (its registry is process-wide; registering twice is harmless).
    /// </summary>
    public static void Register()
    {
        lock (Gate)
        {
            if (_registered) return;
            foreach (var module in new[] { "numpy.core.multiarray", "numpy._core.multiarray" })
            {
                Unpickler.registerConstructor(module, "_reconstruct", new ReconstructConstructor());
                Unpickler.registerConstructor(module, "scalar", new ScalarConstructor());
            }
            Unpickler.registerConstructor("numpy", "dtype", new DTypeConstructor());
            _registered = true;
        }
    }

    private sealed class ReconstructConstructor : IObjectConstructor
    {
        public object construct(object[] args) => new NumpyArray();
    }

    private sealed class DTypeConstructor : IObjectConstructor
    {
        public object construct(object[] args) =>
            args.Length > 0 && args[0] is string code
                ? new NumpyDType(code)
                : throw new PickleException("numpy.dtype(...) without a type code");
    }

    private sealed class ScalarConstructor : IObjectConstructor
    {
        public object construct(object[] args)
        {
            if (args.Length != 2 || args[0] is not NumpyDType dtype)
                throw new PickleException("numpy scalar(...) needs (dtype, bytes)");
            var array = new NumpyArray();
            array.__setstate__(new object[] { Array.Empty<object>(), dtype, false, args[1] });
            return array;
        }
    }
}

/// <summary>A numpy dtype as pickled: type code (e.g. "f4", "&lt;f4") and byte order.</summary>
internal sealed class NumpyDType
{
    public NumpyDType(string code)
    {
        // The code may carry the byte order itself ("<f4"); BUILD sets it otherwise.
        if (code.Length > 0 && code[0] is '<' or '>' or '|' or '=')
        {
            ByteOrder = code[0];
            code = code[1..];
        }
        Code = code;
    }

    /// <summary>Kind and size, e.g. "f4".</summary>
    public string Code { get; }

    /// <summary>'&lt;' little, '&gt;' big, '|' not applicable, '=' native.</summary>
    public char ByteOrder { get; private set; } = '=';

    /// <summary>BUILD: numpy's dtype state, (version, byte order, subarray, names, fields, elsize, alignment, flags).</summary>
    public void __setstate__(object[] state)
    {
        if (state.Length > 1 && state[1] is string order && order.Length == 1) ByteOrder = order[0];
    }

    /// <summary>The torch element type of the code; null for kinds torch has no tensor for (strings, objects, …).</summary>
    public ScalarType? ScalarType => Code switch
    {
        "f2" or "e" => torch.ScalarType.Float16,
        "f4" or "f" => torch.ScalarType.Float32,
        "f8" or "d" => torch.ScalarType.Float64,
        "i1" or "b" => torch.ScalarType.Int8,
        "i2" or "h" => torch.ScalarType.Int16,
        "i4" or "i" => torch.ScalarType.Int32,
        "i8" or "q" or "l" => torch.ScalarType.Int64,
        "u1" or "B" => torch.ScalarType.Byte,
        "b1" or "?" => torch.ScalarType.Bool,
        _ => null,
    };

    /// <summary>True when the element bytes are big-endian (need swapping on this machine).</summary>
    public bool IsBigEndian => ByteOrder == '>' || (ByteOrder == '=' && !BitConverter.IsLittleEndian);
}

/// <summary>A numpy array as pickled, before it becomes a tensor: shape, dtype, memory order and raw bytes.</summary>
internal sealed class NumpyArray
{
    public long[] Shape { get; private set; } = Array.Empty<long>();

    public NumpyDType? DType { get; private set; }

    public bool IsFortranOrder { get; private set; }

    public byte[] Data { get; private set; } = Array.Empty<byte>();

    /// <summary>BUILD: (version, shape, dtype, is_fortran, data) or, from old numpy, (shape, dtype, is_fortran, data).</summary>
    public void __setstate__(object[] state)
    {
        var offset = state.Length == 5 ? 1 : state.Length == 4 ? 0
            : throw new PickleException($"numpy array state has {state.Length} entries, expected 4 or 5");
        Shape = state[offset] is object[] dims
            ? dims.Select(d => Convert.ToInt64(d, CultureInfo.InvariantCulture)).ToArray()
            : throw new PickleException("numpy array state without a shape tuple");
        DType = state[offset + 1] as NumpyDType ?? throw new PickleException("numpy array state without a dtype");
        IsFortranOrder = state[offset + 2] is true || (state[offset + 2] is int i && i != 0);
        Data = state[offset + 3] switch
        {
            byte[] bytes => bytes,
            string latin1 => Encoding.Latin1.GetBytes(latin1),   // a Python 2 byte string
            IList => throw new PickleException($"numpy arrays of Python objects (dtype '{DType.Code}') hold no numbers"),
            var other => throw new PickleException($"numpy array data of type {other?.GetType().Name ?? "None"}"),
        };
    }

    /// <summary>
    /// The array as a CPU tensor of the same shape and element type, C order. Throws <see cref="InvalidDataException"/>
    /// naming <paramref name="name"/> for element types torch has no tensor for, or data of the wrong length.
    /// </summary>
    public Tensor ToTensor(string name)
    {
        var dtype = DType ?? throw new InvalidDataException($"'{name}': numpy array without a dtype");
        var scalarType = dtype.ScalarType
            ?? throw new InvalidDataException($"'{name}': numpy dtype '{dtype.Code}' has no tensor type (numbers and booleans only)");
        // Fortran order stores the transpose contiguously: build the reversed shape, then reverse the dimensions.
        var storedShape = IsFortranOrder ? Enumerable.Reverse(Shape).ToArray() : Shape;
        var tensor = empty(storedShape, scalarType);
        var expected = tensor.NumberOfElements * tensor.ElementSize;
        if (Data.Length != expected)
        {
            tensor.Dispose();
            throw new InvalidDataException($"'{name}': numpy array of shape [{string.Join(", ", Shape)}] and dtype '{dtype.Code}' needs {expected} bytes, the pickle holds {Data.Length}");
        }
        var bytes = Data;
        if (dtype.IsBigEndian && tensor.ElementSize > 1)
        {
            bytes = (byte[])Data.Clone();
            for (var i = 0; i < bytes.Length; i += (int)tensor.ElementSize) Array.Reverse(bytes, i, (int)tensor.ElementSize);
        }
        if (expected > 0) tensor.bytes = bytes;
        if (!IsFortranOrder || Shape.Length < 2) return tensor;
        using (tensor)
            return tensor.permute(Enumerable.Range(0, Shape.Length).Reverse().Select(d => (long)d).ToArray()).contiguous();
    }
}
