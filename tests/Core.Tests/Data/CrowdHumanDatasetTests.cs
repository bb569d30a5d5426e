using Research.Core.Data;
using Xunit;

namespace Research.Core.Tests.Data;

public class CrowdHumanDatasetTests
{
    private const string PersonA = """{"tag": "person", "fbox": [2, 3, 10, 8], "vbox": [3, 4, 5, 6], "hbox": [4, 3, 2, 2], "extra": {"box_id": 0, "occ": 1}}""";
    private const string PersonPastBorder = """{"tag": "person", "fbox": [30, 5, 20, 30], "vbox": [30, 5, 10, 10], "hbox": [32, 5, 3, 3], "extra": {"ignore": 0}}""";
    private const string MaskA = """{"tag": "mask", "fbox": [0, 20, 8, 8], "vbox": [0, 21, 8, 7], "hbox": [0, 20, 4, 4], "extra": {"ignore": 1}}""";

    /// <summary>
    /// Line 1: two persons (one reaching past the right and bottom border) and a mask box, JPEG, size from the header;
    /// line 2 blank; line 3: only an ignore box, size from the width/height keys (the file is no image);
    /// line 4: no boxes; line 5: one box wholly outside the image.
    /// </summary>
    private static readonly string[] ValidLines =
    {
        $$"""{"ID": "img,a", "gtboxes": [{{PersonA}}, {{PersonPastBorder}}, {{MaskA}}]}""",
        "",
        """{"ID": "b", "width": 20, "height": 20, "gtboxes": [{"tag": "mask", "fbox": [1, 1, 10, 10], "vbox": [1, 1, 10, 10], "hbox": [1, 1, 4, 4], "extra": {"ignore": 1}}]}""",
        """{"ID": "c", "gtboxes": []}""",
        """{"ID": "d", "gtboxes": [{"tag": "person", "fbox": [25, 0, 5, 5], "vbox": [25, 0, 5, 5], "hbox": [25, 0, 2, 2]}]}""",
    };

    private static IEnumerable<(double, double, double, double, bool)> Boxes(CocoImage image) =>
        image.Annotations.Select(a => (a.X, a.Y, a.Width, a.Height, a.IsCrowd));

    [Fact]
    public void ReadsFullBoxesIgnoreFlagsSizesAndIdsLikeTheOfficialLoader()
    {
        using var f = new OdgtFixture();
        var ds = CrowdHumanDataset.Load(f.Odgt("train.odgt", ValidLines), f.ImageDir);
        Assert.Equal(new[] { "person" }, ds.ClassNames);
        Assert.Equal(1L, ds.ToCategoryId(0));
        // Ids are line numbers (the blank line 2 counts), the ID strings stay on the image.
        Assert.Equal(new long[] { 1, 3, 4, 5 }, ds.Images.Select(i => i.Id));
        Assert.Equal(new[] { "img,a", "b", "c", "d" }, ds.Images.Select(i => i.SourceId));
        Assert.Equal(new[] { "img,a.jpg", "b.png", "c.png", "d.png" }, ds.Images.Select(i => i.FileName));
        Assert.Equal(Path.Combine(f.ImageDir, "img,a.jpg"), ds.Image(1).Path);
        Assert.Equal((40, 30), (ds.Image(1).Width, ds.Image(1).Height));        // JPEG header
        Assert.Equal((20, 20), (ds.Image(3).Width, ds.Image(3).Height));        // the record's keys
        // fbox, clipped to the 40x30 image ([30, 5, 20, 30] → [30, 5, 10, 25]); the mask box is an ignore (crowd) box.
        Assert.Equal(new[] { (2.0, 3.0, 10.0, 8.0, false), (30.0, 5.0, 10.0, 25.0, false), (0.0, 20.0, 8.0, 8.0, true) }, Boxes(ds.Image(1)));
        Assert.Equal(new long[] { 1, 2, 3 }, ds.Image(1).Annotations.Select(a => a.Id));
        Assert.Equal(new long[] { 4 }, ds.Image(3).Annotations.Select(a => a.Id));
        Assert.All(ds.Images.SelectMany(i => i.Annotations), a => Assert.Equal((1L, 0), (a.CategoryId, a.Class)));
        Assert.Equal(250.0, ds.Image(1).Annotations[1].Area);
        // The box outside image "d" is gone after clipping.
        Assert.Empty(ds.Image(5).Annotations);
        // cvpods trains on every image with a gtbox, ignore-only and clipped-away ones included; "c" has none.
        Assert.Equal(new long[] { 1, 3, 5 }, ds.TrainingImages.Select(i => i.Id));
        Assert.Empty(ds.Image(3).TrainingAnnotations);
        Assert.Equal(0, ds.Report.SkippedImages + ds.Report.SkippedAnnotations);
    }

    [Theory]
    [InlineData(CrowdHumanBox.Visible, 3.0, 4.0, 5.0, 6.0, 10.0, 10.0, 0.0, 21.0, 8.0, 7.0)]
    [InlineData(CrowdHumanBox.Head, 4.0, 3.0, 2.0, 2.0, 3.0, 3.0, 0.0, 20.0, 4.0, 4.0)]
    public void VisibleAndHeadBoxesAreSelectable(CrowdHumanBox box, double x, double y, double w, double h, double w2, double h2,
        double mx, double my, double mw, double mh)
    {
        using var f = new OdgtFixture();
        var ds = CrowdHumanDataset.Load(f.Odgt("train.odgt", ValidLines), f.ImageDir, new CrowdHumanLoadOptions { Box = box });
        var a = ds.Image(1).Annotations;
        Assert.Equal((x, y, w, h, false), Boxes(ds.Image(1)).First());
        Assert.Equal((w2, h2), (a[1].Width, a[1].Height));
        Assert.Equal((mx, my, mw, mh, true), Boxes(ds.Image(1)).Last());
    }

    [Theory]
    [InlineData("""{"ID": "c", "gtboxes": [""", "line 2: not valid JSON", 1, 0)]
    [InlineData("""["c"]""", "line 2: a record must be a JSON object", 1, 0)]
    [InlineData("""{"gtboxes": []}""", "line 2: missing \"ID\" (a non-empty string)", 1, 0)]
    [InlineData("""{"ID": "nope", "gtboxes": []}""", "line 2 (ID nope): image file not found: {images}/nope.jpg or .jpeg or .png", 1, 0)]
    [InlineData("""{"ID": "b", "gtboxes": []}""", "line 2 (ID b): image file cannot be decoded (not PNG/JPEG or corrupt): {images}/b.png", 1, 0)]
    [InlineData("""{"ID": "c"}""", "line 2 (ID c): missing \"gtboxes\" array", 1, 0)]
    [InlineData("""{"ID": "img,a", "gtboxes": []}""", "line 2 (ID img,a): duplicate ID, first on line 1", 1, 0)]
    [InlineData("""{"ID": "c", "gtboxes": [{"tag": "bike", "fbox": [1, 1, 2, 2]}]}""", "line 2 (ID c): gtbox #0: unknown tag 'bike' (allowed: person, mask)", 0, 1)]
    [InlineData("""{"ID": "c", "gtboxes": [{"fbox": [1, 1, 2, 2]}]}""", "line 2 (ID c): gtbox #0: missing \"tag\"", 0, 1)]
    [InlineData("""{"ID": "c", "gtboxes": [{"tag": "person", "fbox": [1, 1, 2, 2]}, {"tag": "person", "fbox": [1, 1, 0, 2]}]}""", "line 2 (ID c): gtbox #1: fbox [1, 1, 0, 2] has non-positive width or height", 0, 1)]
    [InlineData("""{"ID": "c", "gtboxes": [{"tag": "person", "fbox": [1, 1, 2]}]}""", "line 2 (ID c): gtbox #0: \"fbox\" must be 4 numbers [x, y, width, height]", 0, 1)]
    [InlineData("""{"ID": "c", "gtboxes": [{"tag": "person", "vbox": [1, 1, 2, 2]}]}""", "line 2 (ID c): gtbox #0: missing \"fbox\" (box: full)", 0, 1)]
    [InlineData("""{"ID": "c", "gtboxes": [{"tag": "person", "fbox": [1, 1, 2, 2], "extra": {"ignore": "yes"}}]}""", "line 2 (ID c): gtbox #0: \"extra.ignore\" must be a number (0 or 1)", 0, 1)]
    public void BadLinesFailWithOneLineNamingFileLineAndIdOrAreSkipped(string badLine, string expected, int skippedImages, int skippedAnnotations)
    {
        using var f = new OdgtFixture();
        var odgt = f.Odgt("bad.odgt", ValidLines[0], badLine);
        var message = $"{odgt}: {expected.Replace("{images}", f.ImageDir)}";
        var e = Assert.Throws<DatasetException>(() => CrowdHumanDataset.Load(odgt, f.ImageDir));
        Assert.StartsWith(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);

        var warnings = new List<string>();
        var ds = CrowdHumanDataset.Load(odgt, f.ImageDir, new CrowdHumanLoadOptions { OnError = OnDataError.Skip, Warn = warnings.Add });
        Assert.Equal((skippedImages, skippedAnnotations), (ds.Report.SkippedImages, ds.Report.SkippedAnnotations));
        Assert.StartsWith(message, Assert.Single(ds.Report.Warnings));
        Assert.Equal($"warning: {ds.Report.Warnings[0]}", warnings[0]);
        Assert.Contains("skipped", warnings[^1]);
        // The good line is intact; a line whose box was skipped keeps its image.
        Assert.Equal(3, ds.Image(1).Annotations.Count);
        Assert.Equal(skippedImages == 1 ? 1 : 2, ds.Images.Count);
    }

    [Fact]
    public void TheChosenBoxMustExistAndTheFileMustHoldRecords()
    {
        using var f = new OdgtFixture();
        var odgt = f.Odgt("heads.odgt", """{"ID": "c", "gtboxes": [{"tag": "person", "fbox": [1, 1, 2, 2]}]}""");
        var e = Assert.Throws<DatasetException>(() => CrowdHumanDataset.Load(odgt, f.ImageDir, new CrowdHumanLoadOptions { Box = CrowdHumanBox.Head }));
        Assert.Equal($"{odgt}: line 1 (ID c): gtbox #0: missing \"hbox\" (box: head)", e.Message);
        var empty = f.Odgt("empty.odgt", "", "  ");
        Assert.Equal($"{empty}: no records (an .odgt file holds one JSON object per line)",
            Assert.Throws<DatasetException>(() => CrowdHumanDataset.Load(empty, f.ImageDir)).Message);
        Assert.Contains("annotation file not found", Assert.Throws<DatasetException>(() => CrowdHumanDataset.Load(odgt + ".x", f.ImageDir)).Message);
        Assert.Contains("image folder not found", Assert.Throws<DatasetException>(() => CrowdHumanDataset.Load(odgt, f.ImageDir + "x")).Message);
    }

    [Fact]
    public void PngIsFoundWhenThereIsNoJpeg()
    {
        using var f = new OdgtFixture();
        Assert.Equal(Path.Combine(f.ImageDir, "img,a.jpg"), CrowdHumanDataset.FindImage(f.ImageDir, "img,a"));
        Assert.Equal(Path.Combine(f.ImageDir, "c.png"), CrowdHumanDataset.FindImage(f.ImageDir, "c"));
        Assert.Null(CrowdHumanDataset.FindImage(f.ImageDir, "zz"));
    }
}
