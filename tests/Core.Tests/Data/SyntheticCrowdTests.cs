using Research.Core.Data;
using Xunit;

namespace Research.Core.Tests.Data;

public class SyntheticCrowdTests
{
    private static readonly SyntheticCrowdOptions Small = new() { ImageSize = 128, TrainImages = 6, ValImages = 3, Seed = 5 };

    /// <summary>The shipped settings with fewer images: what the statistics are designed on.</summary>
    private static readonly SyntheticCrowdOptions Preset = new() { TrainImages = 150, ValImages = 10 };

    [Fact]
    public void RenderIsAPureFunctionOfSettingsSplitAndIndex()
    {
        var a = SyntheticCrowdPainter.Render(Small, 0, 3);
        var b = SyntheticCrowdPainter.Render(Small, 0, 3);
        Assert.Equal(a.Rgb, b.Rgb);
        Assert.Equal(a.People, b.People);
        Assert.Equal(a.IgnoreRegions, b.IgnoreRegions);
        Assert.NotEqual(a.Rgb, SyntheticCrowdPainter.Render(Small, 1, 3).Rgb);
        Assert.NotEqual(a.Rgb, SyntheticCrowdPainter.Render(Small with { Seed = 6 }, 0, 3).Rgb);
    }

    [Fact]
    public void SameSettingsGiveTheSameBytesAndTheCacheIsReused()
    {
        using var t1 = new TempFolder();
        using var t2 = new TempFolder();
        var (r1, r2) = (t1.Path, t2.Path);
        var progress = new List<(int, int)>();
        var f1 = SyntheticCrowd.Generate(Small, r1, (d, t) => progress.Add((d, t)));
        Assert.False(f1.Reused);
        Assert.Equal((9, 9), progress[^1]);
        Assert.Equal($"synthetic_crowd-{Small.CacheKey()}", Path.GetFileName(f1.Directory));
        Assert.True(SyntheticCrowd.Generate(Small, r1, (_, _) => throw new InvalidOperationException("must not regenerate")).Reused);
        var f2 = SyntheticCrowd.Generate(Small, r2, (_, _) => { });
        var hashes = TempFolder.FileHashes(f1.Directory);
        Assert.Equal(hashes, TempFolder.FileHashes(f2.Directory));
        Assert.Equal(6 + 3 + 3, hashes.Count);                               // PNGs, two odgt files, params.json
        Assert.Contains(Path.Combine("Images", "train-000006.png"), hashes.Keys);
        Assert.Single(Directory.GetDirectories(r1));                           // no temporary folder left
    }

    [Fact]
    public void ThePresetIsCrowdedAsDesigned()
    {
        using var temp = new TempFolder();
        var root = temp.Path;
        var (train, _) = SyntheticCrowd.Load(Preset, root, progress: (_, _) => { });
        var stats = CrowdStatistics.Of(train);
        // Designed (measured on 2000 images: 0.49 and 0.29): NMS at 0.5 must remove a true positive for about
        // half of the people, at 0.6 (the FCOS/ATSS test setting) for over a fifth.
        Assert.InRange(stats.ShareOverlapping50, 0.40, 0.60);
        Assert.InRange(stats.ShareOverlapping60, 0.20, 0.40);
        Assert.InRange(stats.BoxesPerImage, 9, 15);
        Assert.InRange(stats.IgnoreRegionsPerImage, 0.7, 1.3);
        Assert.InRange(stats.PairsOverlapping50PerImage, 2.0, 6.0);
        // Person-like: tall boxes of FPN P3–P5 sizes at 192 px.
        var boxes = train.Images.SelectMany(i => i.TrainingAnnotations).ToList();
        Assert.All(boxes, a => Assert.InRange(a.Height, 1, 110));
        var unclipped = Enumerable.Range(0, 20).SelectMany(i => SyntheticCrowdPainter.Render(Preset, 0, i).People).ToList();
        Assert.All(unclipped, p => Assert.InRange(p.Full.Height, 0.93 * 16 * 0.88, 1.07 * 90 * 1.12));
        Assert.All(unclipped, p => Assert.InRange(p.Full.Width / p.Full.Height, 0.4 * 0.9, 0.4 * 1.1));
        Assert.All(unclipped, p => Assert.True(p.VisibleFraction >= 0.25, $"visible {p.VisibleFraction}"));
        Assert.Contains(unclipped, p => p.VisibleFraction < 0.5);
    }

    [Fact]
    public void VisibleBoxesLieInsideFullBoxesAndTheImage()
    {
        var people = Enumerable.Range(0, 30).SelectMany(i => SyntheticCrowdPainter.Render(Preset, 1, i).People).ToList();
        Assert.All(people, p =>
        {
            Assert.False(p.Visible.IsEmpty);
            Assert.True(p.Visible.X1 >= p.Full.X1 && p.Visible.Y1 >= p.Full.Y1 && p.Visible.X2 <= p.Full.X2 && p.Visible.Y2 <= p.Full.Y2, $"{p.Visible} outside {p.Full}");
            Assert.True(p.Visible.X1 >= 0 && p.Visible.Y1 >= 0 && p.Visible.X2 <= 192 && p.Visible.Y2 <= 192);
        });
        // Occlusion is common: many visible boxes are clearly smaller than the full ones.
        Assert.True(people.Count(p => p.Visible.Width * p.Visible.Height < 0.8 * p.Full.Width * p.Full.Height) > people.Count / 4);
    }

    [Fact]
    public void TheOdgtFilesReadBackThroughTheCrowdHumanReader()
    {
        using var temp = new TempFolder();
        var root = temp.Path;
        var files = SyntheticCrowd.Generate(Small, root, (_, _) => { });
        var full = CrowdHumanDataset.Load(files.TrainOdgt, files.ImageDir);
        var visible = CrowdHumanDataset.Load(files.TrainOdgt, files.ImageDir, new CrowdHumanLoadOptions { Box = CrowdHumanBox.Visible });
        Assert.Equal(6, full.Images.Count);
        Assert.Equal(3, CrowdHumanDataset.Load(files.ValOdgt, files.ImageDir).Images.Count);
        for (var i = 0; i < 6; i++)
        {
            var scene = SyntheticCrowdPainter.Render(Small, 0, i);
            var image = full.Images[i];
            Assert.Equal(SyntheticCrowd.ImageId("train", i), image.SourceId);
            Assert.Equal((128, 128), (image.Width, image.Height));     // from the PNG header: the files have no sizes
            // People first (nearest first), then the ignore regions; full boxes clipped to the image.
            var expected = scene.People.Select(p => (p.Full.Clip(128, 128), false)).Concat(scene.IgnoreRegions.Select(r => (r, true))).ToList();
            Assert.Equal(expected.Count, image.Annotations.Count);
            foreach (var (a, (box, crowd)) in image.Annotations.Zip(expected))
            {
                Assert.Equal(crowd, a.IsCrowd);
                // Written with 3 decimals: x and w rounded apart.
                Assert.Equal(box.X1, a.X, 0.0005);
                Assert.Equal(box.Y2, a.Y + a.Height, 0.001);
            }
            foreach (var (f, v) in image.Annotations.Zip(visible.Images[i].Annotations))
                Assert.True(v.X >= f.X - 1e-3 && v.Y >= f.Y - 1e-3 && v.X + v.Width <= f.X + f.Width + 1e-3 && v.Y + v.Height <= f.Y + f.Height + 1e-3);
        }
        // Pixels: the loaded image decodes to what was painted.
        var decoded = ImageDecoder.DecodeRgb(full.Images[0].Path);
        Assert.Equal(SyntheticCrowdPainter.Render(Small, 0, 0).Rgb, decoded.Rgb);
    }

    [Fact]
    public void EverySettingChangesTheCacheKeyAndBadSettingsNameTheirKey()
    {
        var keys = new[]
        {
            Small, Small with { ImageSize = 97 }, Small with { TrainImages = 7 }, Small with { ValImages = 4 }, Small with { MinPeople = 7 },
            Small with { MaxPeople = 21 }, Small with { MinHeight = 0.1 }, Small with { MaxHeight = 0.4 }, Small with { Aspect = 0.45 },
            Small with { MinSpacing = 0.2 }, Small with { MaxSpacing = 0.4 }, Small with { MaxIgnoreRegions = 3 },
            Small with { MinVisibleFraction = 0.3 }, Small with { Seed = 0 },
        }.Select(o => o.CacheKey()).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
        var e = Assert.Throws<ArgumentException>(() => SyntheticCrowd.Generate(Small with { MaxSpacing = 0.05 }, TempFolder.NewPath()));
        Assert.Equal("data.synthetic_crowd.max_spacing must be in [min_spacing, 2], got 0.05", e.Message);
    }

    [Fact]
    public void StatisticsCountSameClassNeighboursOfTrainingBoxesOnly()
    {
        CocoAnnotation Box(long id, int cls, double x, double w, bool crowd = false) => new(id, 1, cls + 1, cls, x, 0, w, 10, w * 10, crowd);
        var image = new CocoImage(1, "a.png", "a.png", 100, 100, new[]
        {
            Box(1, 0, 0, 10), Box(2, 0, 2, 10),        // IoU 80/120 = 0.667: both count at 0.5 and 0.6
            Box(3, 0, 40, 10), Box(4, 0, 43, 10),      // IoU 70/130 = 0.538: both count at 0.5 only
            Box(5, 1, 0, 10),                          // another class on top of box 1: no neighbour of its class
            Box(6, 0, 40, 10, crowd: true),            // an ignore region equal to box 3: not a neighbour
        });
        var empty = new CocoImage(2, "b.png", "b.png", 100, 100, Array.Empty<CocoAnnotation>());
        var s = CrowdStatistics.Of(new[] { image, empty });
        Assert.Equal((2, 5, 1, 2), (s.Images, s.Boxes, s.IgnoreRegions, s.PairsOverlapping50));
        Assert.Equal(4 / 5.0, s.ShareOverlapping50, 12);
        Assert.Equal(2 / 5.0, s.ShareOverlapping60, 12);
        Assert.Equal(2.5, s.BoxesPerImage);
        Assert.Equal("2 images, 2.5 boxes and 0.5 ignore regions per image; 80 % of boxes overlap a neighbour at IoU ≥ 0.5 (40 % at ≥ 0.6), 1.0 such pairs per image", s.Summary());
    }
}
