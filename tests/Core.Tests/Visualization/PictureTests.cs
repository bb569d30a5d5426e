using Research.Core.Data;
using Research.Core.Runtime;
using Research.Core.Tests.Data;
using Research.Core.Visualization;
using SkiaSharp;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Visualization;

public class PictureTests
{
    public PictureTests() => TorchRuntime.EnsureLoaded();

    private static string TempFile(string name) => Path.Combine(Path.GetTempPath(), "research-vis-tests", Guid.NewGuid().ToString("N"), name);

    [Fact]
    public void ShippedFontHasGlyphsAndLabelsPutInkOnTheirBackground()
    {
        Assert.True(PictureFont.Typeface.GlyphCount > 100);
        Assert.Equal("DejaVu Sans Mono", PictureFont.Typeface.FamilyName);
        using var bitmap = new SKBitmap(new SKImageInfo(80, 20, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var font = PictureFont.Create(11);
        DetectionPicture.DrawLabel(canvas, font, "ring 0.93", 0, 0, ClassPalette.For(0));
        // Dark blue label background → white text: some pixels of the label are (near) white.
        var label = Enumerable.Range(1, 50).SelectMany(x => Enumerable.Range(1, 11).Select(y => bitmap.GetPixel(x, y))).ToList();
        Assert.Contains(ClassPalette.For(0), label);
        Assert.Contains(label, c => c.Red > 200 && c.Green > 200 && c.Blue > 200);
    }

    [Fact]
    public void DetectionPictureDrawsSolidDetectionsAndDashedGroundTruthInClassColours()
    {
        var png = TempFile("dets.png");
        var image = TempFile("grey.png");
        Directory.CreateDirectory(Path.GetDirectoryName(image)!);
        DataFixture.WritePng(image, 64, 48, (_, _) => ((byte)128, (byte)128, (byte)128));
        try
        {
            var gt = new[] { new DrawnBox(new BoxXyxy(4, 30, 60, 44), 1) };
            var dets = new[] { new DrawnBox(new BoxXyxy(10, 20, 40, 40), 2, 0.9), new DrawnBox(new BoxXyxy(5, 5, 9, 9), 3, 0.1) };
            DetectionPicture.Write(image, gt, dets, new[] { "a", "b", "c", "d" }, png, new DetectionPictureOptions { Scale = 2, LineWidth = 2 });
            using var pic = SKBitmap.Decode(png);
            Assert.Equal((128, 96), (pic.Width, pic.Height));
            // Detection (class 2, green) → ×2 → [20, 40, 80, 80]: its left edge at x = 20, stroke 2 px centred on it.
            Assert.Equal(ClassPalette.For(2), pic.GetPixel(20, 60));
            Assert.Equal(ClassPalette.For(2), pic.GetPixel(50, 80));
            // Inside and outside the box: the grey image, magnified with nearest neighbours.
            Assert.Equal(new SKColor(128, 128, 128), pic.GetPixel(50, 50));
            Assert.Equal(new SKColor(128, 128, 128), pic.GetPixel(110, 20));
            // GT (class 1, orange) → ×2 → [8, 60, 120, 88], dashed 1 px: along its bottom edge, orange dashes and grey gaps.
            var dashed = Enumerable.Range(10, 100).Select(x => pic.GetPixel(x, 87) == ClassPalette.For(1) || pic.GetPixel(x, 88) == ClassPalette.For(1)).ToList();
            Assert.Contains(true, dashed);
            Assert.Contains(false, dashed);
            // The detection below the score threshold (class 3 at [10, 10, 18, 18]) is not drawn.
            Assert.Equal(new SKColor(128, 128, 128), pic.GetPixel(10, 14));
        }
        finally { Directory.Delete(Path.GetDirectoryName(png)!, true); Directory.Delete(Path.GetDirectoryName(image)!, true); }
    }

    [Fact]
    public void AssignmentPictureShowsQualityPerLevelOutsidePriorAndTheChosenShift()
    {
        // M = 2 GTs, levels 4x4 and 2x2 → R = 20.
        var levels = new[] { (4, 4), (2, 2) };
        var q = new float[2, 20];
        for (var g = 0; g < 2; g++) for (var i = 0; i < 20; i++) q[g, i] = -1;
        q[0, 5] = 0.8f;   // level 0, y 1, x 1: the best, chosen
        q[0, 6] = 0.4f;   // half of the best
        q[1, 17] = 0.2f;  // level 1, y 0, x 1: chosen
        using var bitmap = AssignmentPicture.Draw(q, levels, new long[] { 5, 17 }, new AssignmentPictureOptions { PanelSize = 64 });
        var layout = new AssignmentPicture.Layout(new AssignmentPictureOptions { PanelSize = 64 }, levels, 2);
        SKColor Centre(SKRect r) => bitmap.GetPixel((int)r.MidX, (int)r.MidY);
        // Per-GT normalisation: the best cell is the top of the colour map, half of it the middle.
        Assert.Equal(AssignmentPicture.Viridis(1), Centre(layout.CellRect(0, 0, 1, 1)));
        Assert.Equal(AssignmentPicture.Viridis(0.5), Centre(layout.CellRect(0, 0, 1, 2)));
        Assert.Equal(AssignmentPicture.OutsideColour, Centre(layout.CellRect(0, 0, 3, 3)));
        Assert.Equal(AssignmentPicture.OutsideColour, Centre(layout.CellRect(1, 0, 1, 1)));
        Assert.Equal(AssignmentPicture.Viridis(1), Centre(layout.CellRect(1, 1, 0, 1)));
        // The chosen cell carries a white outline on its border.
        var chosen = layout.CellRect(1, 1, 0, 1);
        Assert.Equal(SKColors.White, bitmap.GetPixel((int)chosen.Left, (int)chosen.MidY));
        Assert.Equal(SKColors.White, bitmap.GetPixel((int)chosen.Left, (int)layout.CellRect(0, 0, 1, 1).MidY - (int)layout.CellRect(0, 0, 1, 1).MidY + (int)chosen.MidY));
        Assert.NotEqual(SKColors.White, bitmap.GetPixel((int)layout.CellRect(1, 0, 1, 1).Left, (int)layout.CellRect(1, 0, 1, 1).MidY));
    }

    [Fact]
    public void AssignmentPictureTakesTensorsAndChecksShapes()
    {
        var png = TempFile("assign.png");
        try
        {
            using var quality = rand(3, 20);
            using var chosen = tensor(new long[] { 0, 19, -1 });
            AssignmentPicture.Write(png, quality, new[] { (4, 4), (2, 2) }, chosen);
            using var pic = SKBitmap.Decode(png);
            Assert.True(pic.Width > 200 && pic.Height > 3 * 128);
            var e = Assert.Throws<ArgumentException>(() => AssignmentPicture.Write(png, quality, new[] { (4, 4) }, chosen));
            Assert.Equal("quality has R = 20 shifts but the level sizes sum to 16", e.Message);
        }
        finally { if (Directory.Exists(Path.GetDirectoryName(png))) Directory.Delete(Path.GetDirectoryName(png)!, true); }
    }

    [Fact]
    public void GroundTruthOfADatasetImageIsInItsOriginalFrame()
    {
        using var f = new DataFixture();
        var ds = CocoDataset.Load(f.Json("coco_valid.json"), f.Directory);
        Assert.Equal(new[] { new DrawnBox(new BoxXyxy(0, 0, 40, 30), 1), new DrawnBox(new BoxXyxy(5, 5, 10, 10), 0) },
            DetectionPicture.GroundTruth(ds.Image(2)));
    }

    [Fact]
    public void BoxesFromTensorsKeepValuesAndOrder()
    {
        using var boxes = tensor(new float[] { 1, 2, 3, 4, 5, 6, 7, 8 }).reshape(2, 4);
        using var classes = tensor(new long[] { 3, 0 });
        using var scores = tensor(new float[] { 0.5f, 0.25f });
        var drawn = DetectionPicture.FromTensors(boxes, classes, scores);
        Assert.Equal(new[] { new DrawnBox(new BoxXyxy(1, 2, 3, 4), 3, 0.5), new DrawnBox(new BoxXyxy(5, 6, 7, 8), 0, 0.25) }, drawn);
    }
}
