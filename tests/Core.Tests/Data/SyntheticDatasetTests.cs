using Research.Core.Data;
using Xunit;

namespace Research.Core.Tests.Data;

public class SyntheticDatasetTests
{
    private static readonly SyntheticSceneOptions Small = new() { ImageSize = 96, TrainImages = 8, ValImages = 4, Seed = 5 };

    [Fact]
    public void RenderIsAPureFunctionOfSettingsSplitAndIndex()
    {
        var a = SyntheticScenePainter.Render(Small, 0, 3);
        var b = SyntheticScenePainter.Render(Small, 0, 3);
        Assert.Equal(a.Rgb, b.Rgb);
        Assert.Equal(a.Objects, b.Objects);
        Assert.NotEqual(a.Rgb, SyntheticScenePainter.Render(Small, 1, 3).Rgb);
        Assert.NotEqual(a.Rgb, SyntheticScenePainter.Render(Small with { Seed = 6 }, 0, 3).Rgb);
        Assert.InRange(a.Objects.Count, Small.MinObjects, Small.MaxObjects);
    }

    [Fact]
    public void GeneratedJsonLoadsThroughTheCocoLoaderWithBoxesInsideTheImages()
    {
        var root = TempFolder.NewPath();
        try
        {
            var (train, val) = SyntheticDataset.Load(Small, root, (_, _) => { });
            Assert.Equal(8, train.Images.Count);
            Assert.Equal(4, val.Images.Count);
            Assert.Equal(new[] { "rectangle", "ellipse", "triangle", "ring" }, train.ClassNames);
            var all = train.Images.Concat(val.Images).ToList();
            Assert.All(all, img => Assert.Equal((96, 96), (img.Width, img.Height)));
            var anns = all.SelectMany(i => i.Annotations).ToList();
            Assert.All(anns, a =>
            {
                Assert.InRange(a.X, 0, 96);
                Assert.InRange(a.Y, 0, 96);
                Assert.InRange(a.X + a.Width, 0, 96.002);
                Assert.InRange(a.Y + a.Height, 0, 96.002);
                Assert.True(a.Width >= 4 && a.Height >= 4);
                // Pixel count of the full shape: at most the pixels whose centres fall in the box.
                Assert.InRange(a.Area, 12, (a.Width + 1) * (a.Height + 1));
                Assert.False(a.IsCrowd);
            });
            foreach (var split in new[] { train, val })
            {
                var ids = split.Images.SelectMany(i => i.Annotations).Select(a => a.Id).ToList();
                Assert.Equal(ids.Count, ids.Distinct().Count());
            }
            Assert.DoesNotContain(anns, a => a.Id == 0);
            // Crowded: heavily overlapping same-class boxes exist.
            var maxSameClassIou = all.Select(img => img.Annotations.SelectMany(p => img.Annotations.Where(q => q.Id > p.Id && q.Class == p.Class).Select(q => Iou(p, q))).DefaultIfEmpty(0).Max()).Max();
            Assert.True(maxSameClassIou > 0.3, $"max same-class IoU {maxSameClassIou}");
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void SameSettingsGiveTheSameBytesAndTheCacheIsReused()
    {
        var (r1, r2) = (TempFolder.NewPath(), TempFolder.NewPath());
        try
        {
            var progress = new List<(int, int)>();
            var f1 = SyntheticDataset.Generate(Small, r1, (d, t) => progress.Add((d, t)));
            Assert.False(f1.Reused);
            Assert.Equal((12, 12), progress[^1]);
            Assert.Equal($"synthetic-{Small.CacheKey()}", Path.GetFileName(f1.Directory));
            var f1Again = SyntheticDataset.Generate(Small, r1, (_, _) => throw new InvalidOperationException("must not regenerate"));
            Assert.True(f1Again.Reused);
            var f2 = SyntheticDataset.Generate(Small, r2, (_, _) => { });
            Assert.Equal(TempFolder.FileHashes(f1.Directory), TempFolder.FileHashes(f2.Directory));
            Assert.Equal(8 + 4 + 3, TempFolder.FileHashes(f1.Directory).Count);
            // Only the completed folder exists: no temporary left behind.
            Assert.Single(Directory.GetDirectories(r1));
        }
        finally { Directory.Delete(r1, true); Directory.Delete(r2, true); }
    }

    [Fact]
    public void AnInterruptedGenerationIsNotReused()
    {
        var root = TempFolder.NewPath();
        try
        {
            var partial = Path.Combine(root, $"synthetic-{Small.CacheKey()}");
            Directory.CreateDirectory(Path.Combine(partial, "train"));
            File.WriteAllText(Path.Combine(partial, "train.json"), "{\"images\": [");
            var files = SyntheticDataset.Generate(Small, root, (_, _) => { });
            Assert.False(files.Reused);
            Assert.Equal(8, CocoDataset.Load(files.TrainJson, files.Directory).Images.Count);
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void EverySettingChangesTheCacheKeyAndBadSettingsNameTheirKey()
    {
        var keys = new[]
        {
            Small, Small with { ImageSize = 97 }, Small with { TrainImages = 9 }, Small with { ValImages = 5 }, Small with { NumClasses = 3 },
            Small with { MinObjects = 6 }, Small with { MaxObjects = 24 }, Small with { MinObjectSize = 0.06 }, Small with { MaxObjectSize = 0.3 },
            Small with { CrowdFraction = 0.4 }, Small with { MinVisibleFraction = 0.6 }, Small with { Seed = 0 },
        }.Select(o => o.CacheKey()).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
        var e = Assert.Throws<ArgumentException>(() => SyntheticDataset.Generate(Small with { NumClasses = 9 }, TempFolder.NewPath()));
        Assert.Equal("data.synthetic.num_classes must be in 1..6, got 9", e.Message);
    }

    private static double Iou(CocoAnnotation a, CocoAnnotation b)
    {
        var w = Math.Min(a.X + a.Width, b.X + b.Width) - Math.Max(a.X, b.X);
        var h = Math.Min(a.Y + a.Height, b.Y + b.Height) - Math.Max(a.Y, b.Y);
        if (w <= 0 || h <= 0) return 0;
        return w * h / (a.Width * a.Height + b.Width * b.Height - w * h);
    }
}
