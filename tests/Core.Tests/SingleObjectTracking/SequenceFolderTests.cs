using Research.Core.Data;
using Research.Core.Data.Crops;
using Research.Core.Runtime;
using Research.Core.SingleObjectTracking;
using SkiaSharp;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.SingleObjectTracking;

public class SequenceFolderTests
{
    public SequenceFolderTests() => TorchRuntime.EnsureLoaded();

    private static Tensor Frame(int seed, int w = 32, int h = 24) =>
        randint(0, 256, new long[] { 3, h, w }, generator: new TorchSharp.torch.Generator((ulong)seed)).to_type(ScalarType.Float32);

    private static string WriteSequence(TempDir dir, int frames = 3)
    {
        using var scope = NewDisposeScope();
        var path = dir.Sub("seq");
        var truth = Enumerable.Range(0, frames).Select(i => BoxXyxy.FromXywh(4 + i, 5, 10, 8)).ToArray();
        SequenceFolder.Write(path, Enumerable.Range(0, frames).Select(i => Frame(i)).ToArray(), truth);
        return path;
    }

    [Fact]
    public void WrittenSequenceReadsBackWithExactPixels()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        var path = WriteSequence(dir);
        Assert.True(File.Exists(Path.Combine(path, "00000001.png")));
        var seq = SequenceFolder.Read(path);
        Assert.Equal("seq", seq.Name);
        Assert.Equal(3, seq.Count);
        Assert.Equal((32, 24), (seq.Width, seq.Height));
        Assert.Equal(BoxXyxy.FromXywh(6, 5, 10, 8), seq.GroundTruth[2]);
        var frame = seq.LoadFrame(1);
        Assert.True(frame.equal(Frame(1)).all().item<bool>()); // PNG is lossless
    }

    [Fact]
    public void MissingFrameIsNamed()
    {
        using var dir = new TempDir();
        var path = WriteSequence(dir, 4);
        File.Delete(Path.Combine(path, "00000003.png"));
        var e = Assert.Throws<InvalidDataException>(() => SequenceFolder.Read(path));
        Assert.Contains("missing frame 00000003", e.Message);
        Assert.Contains("00000004.png", e.Message);
        File.Delete(Path.Combine(path, "00000001.png"));
        e = Assert.Throws<InvalidDataException>(() => SequenceFolder.Read(path));
        Assert.Contains("missing frame 00000001", e.Message);
    }

    [Fact]
    public void DuplicateFrameNumberIsNamed()
    {
        using var dir = new TempDir();
        var path = WriteSequence(dir, 2);
        File.Copy(Path.Combine(path, "00000002.png"), Path.Combine(path, "2.png"));
        var e = Assert.Throws<InvalidDataException>(() => SequenceFolder.Read(path));
        Assert.Contains("frame number 2 appears twice", e.Message);
    }

    [Fact]
    public void CountMismatchNamesBothCounts()
    {
        using var dir = new TempDir();
        var path = WriteSequence(dir, 3);
        File.AppendAllText(Path.Combine(path, "groundtruth.txt"), "1,1,2,2\n");
        var e = Assert.Throws<InvalidDataException>(() => SequenceFolder.Read(path));
        Assert.Contains("groundtruth.txt: 4 boxes for 3 frames", e.Message);
    }

    [Fact]
    public void MalformedLineAndBoxOutsideTheFirstFrameAreNamed()
    {
        using var dir = new TempDir();
        var path = WriteSequence(dir, 2);
        var gt = Path.Combine(path, "groundtruth.txt");
        File.WriteAllText(gt, "4,5,10,8\n4;5;10;8\n");
        var f = Assert.Throws<InvalidDataException>(() => SequenceFolder.Read(path));
        Assert.Contains("groundtruth.txt:2:", f.Message);
        File.WriteAllText(gt, "40,5,10,8\n4,5,10,8\n"); // centre x = 45 > width 32
        var e = Assert.Throws<InvalidDataException>(() => SequenceFolder.Read(path));
        Assert.Contains("groundtruth.txt:1: first box 40,5,10,8", e.Message);
        Assert.Contains("32×24", e.Message);
        File.Delete(gt);
        Assert.Throws<FileNotFoundException>(() => SequenceFolder.Read(path));
        Assert.Throws<DirectoryNotFoundException>(() => SequenceFolder.Read(dir.Sub("nowhere")));
    }

    [Fact]
    public void FrameOfAnotherSizeIsNamedOnLoad()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        var path = WriteSequence(dir, 2);
        FrameImage.SavePng(Frame(9, 20, 20), Path.Combine(path, "00000002.png"));
        var seq = SequenceFolder.Read(path);
        var e = Assert.Throws<InvalidDataException>(() => seq.LoadFrame(1));
        Assert.Contains("00000002.png: frame is 20×20", e.Message);
    }

    [Fact]
    public void ReadsTheCommittedOtbStyleFixture()
    {
        // Fixtures/sot/otb_style: img/0001.jpg..0003.jpg (grey 40 × 30 with a white 10 × 8 block at x = 5 + 4i,
        // y = 6) and a tab-separated groundtruth_rect.txt, as OTB ships sequences.
        using var scope = NewDisposeScope();
        var seq = SequenceFolder.Read(Path.Combine(AppContext.BaseDirectory, "Fixtures", "sot", "otb_style"));
        Assert.Equal(3, seq.Count);
        Assert.Equal((40, 30), (seq.Width, seq.Height));
        Assert.EndsWith(Path.Combine("img", "0003.jpg"), seq.FramePaths[2]);
        Assert.Equal(BoxXyxy.FromXywh(13, 6, 10, 8), seq.GroundTruth[2]);
        var frame = seq.LoadFrame(2);
        Assert.InRange(frame[0, 10, 18].item<float>(), 230, 255); // inside the white block (JPEG is lossy)
        Assert.InRange(frame[0, 25, 35].item<float>(), 100, 155); // grey background
    }

    [Fact]
    public void JpegFramesAreAccepted()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        var path = dir.Sub("jpg");
        Directory.CreateDirectory(path);
        for (var i = 1; i <= 2; i++)
        {
            using var bitmap = FrameImage.ToBitmap(full(new long[] { 3, 24, 32 }, 128f));
            using var image = SKImage.FromBitmap(bitmap);
            using var data = image.Encode(SKEncodedImageFormat.Jpeg, 95);
            File.WriteAllBytes(Path.Combine(path, $"{i:D8}.jpg"), data.ToArray());
        }
        File.WriteAllText(Path.Combine(path, "groundtruth.txt"), "1 1 5 5\n2 2 5 5\n");
        var seq = SequenceFolder.Read(path);
        Assert.Equal(2, seq.Count);
        Assert.InRange(seq.LoadFrame(0).mean().item<float>(), 126, 130);
    }
}
