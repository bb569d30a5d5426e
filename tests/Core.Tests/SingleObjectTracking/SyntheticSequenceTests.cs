using Research.Core.Data;
using Research.Core.Data.Crops;
using Research.Core.Runtime;
using Research.Core.SingleObjectTracking;
using SkiaSharp;
using Xunit;

namespace Research.Core.Tests.SingleObjectTracking;

public class SyntheticSequenceTests
{
    private static readonly SyntheticSequenceSpec Small = new(Seed: 3, Frames: 40, Width: 128, Height: 96, MinTargetSize: 14, MaxTargetSize: 20,
        MaxSpeed: 3, ScaleAmplitude: 0.3, Distractors: 2, Occluders: 1);

    public SyntheticSequenceTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void SameSpecAndIndexGiveIdenticalPixelsAndBoxes()
    {
        using var a = SyntheticSequence.Generate(Small, 1);
        using var b = SyntheticSequence.Generate(Small, 1);
        using var c = SyntheticSequence.Generate(Small, 2);
        Assert.Equal(a.GroundTruth, b.GroundTruth);
        Assert.NotEqual(a.GroundTruth, c.GroundTruth);
        using var fa = a.RenderFrame(17);
        using var fb = b.RenderFrame(17);
        Assert.Equal(fa.GetPixelSpan().ToArray(), fb.GetPixelSpan().ToArray());
    }

    [Fact]
    public void TargetStaysInsideMovesSmoothlyAndChangesScale()
    {
        for (var index = 0; index < 5; index++)
        {
            using var s = SyntheticSequence.Generate(Small, index);
            var gt = s.GroundTruth;
            Assert.Equal(Small.Frames, gt.Count);
            foreach (var b in gt)
            {
                Assert.InRange(b.X1, -1e-9, Small.Width + 1e-9);
                Assert.InRange(b.X2, -1e-9, Small.Width + 1e-9);
                Assert.InRange(b.Y1, -1e-9, Small.Height + 1e-9);
                Assert.InRange(b.Y2, -1e-9, Small.Height + 1e-9);
            }
            for (var t = 1; t < gt.Count; t++)
            {
                // speed ≤ MaxSpeed, plus the shift a growing box gets when pushed off an edge
                var step = OnePassEvaluation.CenterError(gt[t], gt[t - 1]);
                var grow = Math.Abs(gt[t].Width - gt[t - 1].Width) + Math.Abs(gt[t].Height - gt[t - 1].Height);
                Assert.True(step <= Small.MaxSpeed + grow + 1e-9, $"sequence {index} frame {t}: moved {step}");
                Assert.True(Math.Abs(gt[t].Width / gt[t - 1].Width - 1) < 0.1, "size changes smoothly");
            }
            var sizes = gt.Select(b => b.Width).ToArray();
            Assert.True(sizes.Max() / sizes.Min() > 1.1, $"sequence {index}: scale change {sizes.Max() / sizes.Min()}");
            Assert.True(OnePassEvaluation.CenterError(gt[0], gt[^1]) > 5, "the target moves");
        }
    }

    [Fact]
    public void DistractorsOfTheSameClassCrossTheTargetAndOccludersCoverPartOfIt()
    {
        using var s = SyntheticSequence.Generate(Small, 0);
        Assert.Equal(2, s.Distractors.Count);
        foreach (var d in s.Distractors)
        {
            Assert.Equal(s.Target.Shape, d.Shape);
            Assert.InRange(Math.Abs(d.Color.R - s.Target.Color.R), 0, 20);
            Assert.Contains(Enumerable.Range(0, Small.Frames), t => OnePassEvaluation.Iou(d.Boxes[t], s.GroundTruth[t]) > 0.3);
        }
        var bar = Assert.Single(s.Occluders);
        var covered = Enumerable.Range(0, Small.Frames).Where(t =>
        {
            var b = s.GroundTruth[t];
            return Math.Min(b.X2, bar.X2) - Math.Max(b.X1, bar.X1) > 0;
        }).ToArray();
        Assert.NotEmpty(covered);
        Assert.All(covered, t => Assert.True(bar.Width < s.GroundTruth[t].Width, "occlusion is partial"));
    }

    [Fact]
    public void TargetColourIsDrawnInsideItsBox()
    {
        using var s = SyntheticSequence.Generate(Small, 4);
        var checkedFrames = 0;
        for (var t = 0; t < Small.Frames; t++)
        {
            var b = s.GroundTruth[t];
            // a point in the lower body, off the accent band, at least 0.2 w from the edge of every shape
            double px = b.CenterX, py = b.CenterY + 0.3 * b.Height;
            bool Covers(BoxXyxy o) => px >= o.X1 - 2 && px <= o.X2 + 2 && py >= o.Y1 - 2 && py <= o.Y2 + 2;
            if (s.Distractors.Any(d => d.InFront && Covers(d.Boxes[t])) || s.Occluders.Any(Covers)) continue;
            using var frame = s.RenderFrame(t);
            var c = frame.GetPixel((int)px, (int)py);
            Assert.Equal((s.Target.Color.R, s.Target.Color.G, s.Target.Color.B), (c.Red, c.Green, c.Blue));
            checkedFrames++;
        }
        Assert.True(checkedFrames > 10, $"{checkedFrames} unoccluded frames checked");
    }

    [Fact]
    public void CachedSetIsWrittenOnceAndReadsBackAsSequenceFolders()
    {
        using var dir = new TempDir();
        var spec = Small with { Frames = 5 };
        var dirs = SyntheticSequenceSet.Ensure(dir.Path, spec, 2);
        Assert.Equal(2, dirs.Count);
        Assert.Equal(Path.Combine(dir.Path, $"sot-synthetic-{SyntheticSequenceSet.Key(spec, 2)}", "001"), dirs[1]);
        var stamp = File.GetLastWriteTimeUtc(Path.Combine(dirs[0], "00000001.png"));
        Assert.Equal(dirs, SyntheticSequenceSet.Ensure(dir.Path, spec, 2));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(Path.Combine(dirs[0], "00000001.png")));
        Assert.Single(Directory.GetDirectories(dir.Path)); // no temporary folder left behind
        Assert.NotEqual(SyntheticSequenceSet.Key(spec, 2), SyntheticSequenceSet.Key(spec with { Seed = 4 }, 2));
        Assert.NotEqual(SyntheticSequenceSet.Key(spec, 2), SyntheticSequenceSet.Key(spec, 3));

        var seq = SequenceFolder.Read(dirs[1]);
        using var generated = SyntheticSequence.Generate(spec, 1);
        Assert.Equal(5, seq.Count);
        for (var t = 0; t < 5; t++)
        {
            Assert.Equal(generated.GroundTruth[t].X1, seq.GroundTruth[t].X1);
            Assert.Equal(generated.GroundTruth[t].Y2, seq.GroundTruth[t].Y2, 9);
        }
        using var frame = seq.LoadFrame(3);
        using var rendered = generated.RenderFrame(3);
        using var expected = FrameImage.FromBitmap(rendered);
        Assert.True(frame.equal(expected).all().item<bool>());
    }

    [Fact]
    public void InvalidSpecsNameTheParameter()
    {
        Assert.Contains("Frames", Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticSequence.Generate(Small with { Frames = 0 }, 0)).Message);
        Assert.Contains("MaxTargetSize", Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticSequence.Generate(Small with { MaxTargetSize = 60 }, 0)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticSequenceSet.Ensure(Path.GetTempPath(), Small, 0));
    }
}
