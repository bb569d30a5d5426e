using Research.Core.Modeling.Weights;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Modeling.Weights;

/// <summary>
/// Pickles of numpy arrays as detectron2 and cvpods read them: Python 2 byte strings (the MSRA files), Python 3 protocol 2
/// (<c>_codecs.encode</c>) and protocol 4, Fortran order, big-endian data, numpy scalars, the Detectron "blobs" layout.
/// </summary>
public sealed class NumpyPickleFormatTests
{
    [Fact]
    public void EveryNumpyEncodingBecomesATensorWithTheRightValues()
    {
        var pickle = NumpyPickleFormat.Read(WeightFixtures.Path("numpy_cases.pkl"));
        var t = pickle.Tensors;
        try
        {
            Assert.Equal(PickleWeights.Caffe2Author, pickle.Author);
            Assert.Equal(new[] { "w_momentum" }, pickle.Dropped);
            Assert.Equal(new[] { "big_endian_f4", "bool", "f16", "f64_fortran", "i8", "scalar_f4", "u1", "zero_d_i8" }, t.Keys.OrderBy(k => k, StringComparer.Ordinal));

            Assert.Equal(ScalarType.Float64, t["f64_fortran"].dtype);
            Assert.Equal(new long[] { 2, 3 }, t["f64_fortran"].shape);
            Assert.Equal(new[] { 0.0, 1, 2, 3, 4, 5 }, t["f64_fortran"].data<double>().ToArray());   // row-major after the transpose
            Assert.Equal(new[] { 0.5f, -1.25f, 3.0f }, t["big_endian_f4"].data<float>().ToArray());
            Assert.Equal(new[] { 1L, -2, 3, 40000000000 }, t["i8"].data<long>().ToArray());
            Assert.Equal(new byte[] { 0, 255, 7 }, t["u1"].data<byte>().ToArray());
            Assert.Equal(new[] { true, false }, t["bool"].data<bool>().ToArray());
            Assert.Equal(ScalarType.Float16, t["f16"].dtype);
            using (var f16 = t["f16"].to_type(ScalarType.Float32)) Assert.Equal(new[] { 1.5f, -2.0f }, f16.data<float>().ToArray());
            Assert.Equal(0, t["scalar_f4"].dim());
            Assert.Equal(2.5f, t["scalar_f4"].item<float>());
            Assert.Equal(0, t["zero_d_i8"].dim());
            Assert.Equal(1234L, t["zero_d_i8"].item<long>());
        }
        finally { WeightFixtures.DisposeAll(t.Values); }
    }

    [Fact]
    public void Python2MsraPickleReadsEveryBlobWithItsValues()
    {
        var pickle = NumpyPickleFormat.Read(WeightFixtures.Path("c2_r50_narrow.pkl"));
        var io = WeightFixtures.Read("c2_r50_narrow_io.safetensors");
        try
        {
            Assert.Equal(PickleWeights.Caffe2Author, pickle.Author);
            Assert.Equal(161, pickle.Tensors.Count);
            Assert.Equal(new long[] { 2, 3, 7, 7 }, pickle.Tensors["conv1_w"].shape);
            Assert.Equal(new long[] { 10, 64 }, pickle.Tensors["fc1000_w"].shape);
            Assert.True(pickle.Tensors["res_conv1_bn_s"].equal(io["blob.res_conv1_bn_s"]).all().item<bool>());
            Assert.True(pickle.Tensors["res4_1_branch2b_w"].equal(io["blob.res4_1_branch2b_w"]).all().item<bool>());
            Assert.DoesNotContain(pickle.Tensors.Keys, k => k.EndsWith("_rm", StringComparison.Ordinal) || k.EndsWith("_riv", StringComparison.Ordinal));
        }
        finally { WeightFixtures.DisposeAll(pickle.Tensors.Values.Concat(io.Values)); }
    }

    [Fact]
    public void Detectron2ModelZooPickleKeepsItsAuthorAndNames()
    {
        var pickle = NumpyPickleFormat.Read(WeightFixtures.Path("torchvision_resnet18_narrow_d2.pkl"));
        try
        {
            Assert.Equal("torchvision", pickle.Author);
            Assert.Empty(pickle.Dropped);
            Assert.Equal(new long[] { 4, 3, 7, 7 }, pickle.Tensors["stem.conv1.weight"].shape);
            Assert.Equal(ScalarType.Int64, pickle.Tensors["res2.0.conv1.norm.num_batches_tracked"].dtype);
            Assert.Equal(1234L, pickle.Tensors["res2.0.conv1.norm.num_batches_tracked"].item<long>());
            Assert.Contains("stem.fc.weight", pickle.Tensors.Keys);
            Assert.Contains("res3.0.shortcut.norm.running_var", pickle.Tensors.Keys);
        }
        finally { WeightFixtures.DisposeAll(pickle.Tensors.Values); }
    }

    [Fact]
    public void FilesThatAreNoPickleOfArraysFailWithTheirPath()
    {
        var dir = Path.Combine(Path.GetTempPath(), "research-pickle-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            // A pickle of a list (protocol 2: PROTO 2, EMPTY_LIST, STOP), and one cut short.
            var list = Path.Combine(dir, "list.pkl");
            File.WriteAllBytes(list, new byte[] { 0x80, 0x02, (byte)']', (byte)'.' });
            Assert.True(NumpyPickleFormat.LooksLikePickle(list));
            var e = Assert.Throws<InvalidDataException>(() => NumpyPickleFormat.Read(list));
            Assert.Contains(list, e.Message);
            Assert.Contains("not a dict of weights", e.Message);

            var cut = Path.Combine(dir, "cut.pkl");
            var bytes = File.ReadAllBytes(WeightFixtures.Path("numpy_cases.pkl"));
            File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
            Assert.Contains(cut, Assert.Throws<InvalidDataException>(() => NumpyPickleFormat.Read(cut)).Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
