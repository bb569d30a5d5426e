using Research.Core.Data;
using Research.Core.Evaluation;
using Xunit;

namespace Research.Core.Tests.Evaluation;

/// <summary>
/// Known answers from the official CrowdHuman evaluator (cvpods crowdhumantools.py, mode 0, run by
/// Fixtures/evaluation/crowdhuman/generate_fixtures.py): the same files give the same AP, recall, miss rates and
/// ranked list (labels, scores, clipped boxes) bit for bit, and mMR to 1e-14 (see CrowdHumanFixture).
/// </summary>
public sealed class CrowdHumanParityTests
{
    public static TheoryData<string> Cases => new()
    {
        "caltech_small", "ties_within_image", "ties_across_images", "duplicates", "ignore_and_person", "ignore_definitions",
        "half_overlaps", "clipping", "images_without_dts", "only_mask_boxes", "fppi_below_one", "mr_zero", "background_tag",
        "visible_boxes", "numeric_ids", "random",
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void DtOdgtGivesTheOfficialNumbers(string name)
    {
        var fixture = CrowdHumanFixture.Load(name);
        var gt = CrowdHumanGroundTruth.Load(fixture.Path("gt.odgt"));
        var result = CrowdHumanEvaluator.EvaluateFiles(fixture.Path("gt.odgt"), fixture.Path("dt.odgt"));
        fixture.AssertEqualsOfficial(result, gt);
        Assert.Empty(result.Notes);
    }

    [Theory]
    [InlineData("caltech_small")]
    [InlineData("ties_across_images")]
    [InlineData("numeric_ids")]
    [InlineData("random")]
    public void CocoStyleResultsGiveTheSameNumbers(string name)
    {
        var fixture = CrowdHumanFixture.Load(name);
        var gt = CrowdHumanGroundTruth.Load(fixture.Path("gt.odgt"));
        fixture.AssertEqualsOfficial(CrowdHumanEvaluator.EvaluateFiles(fixture.Path("gt.odgt"), fixture.Path("dets.json")), gt);
    }

    [Fact]
    public void InMemoryDetectionsInAnyImageOrderGiveTheSameNumbers()
    {
        // The training loop's path: a loaded ground truth and detections built in memory, here grouped by image in
        // reverse order (only the order inside an image breaks ties, as in the dt file).
        var fixture = CrowdHumanFixture.Load("random");
        var gt = CrowdHumanGroundTruth.Load(fixture.Path("gt.odgt"));
        var detections = CrowdHumanDetections.Load(fixture.Path("dt.odgt")).Detections;
        var regrouped = detections.Select((d, n) => (d, n)).GroupBy(x => x.d.ImageId).Reverse().SelectMany(g => g.Select(x => x.d)).ToArray();
        var result = CrowdHumanEvaluator.Evaluate(gt, regrouped, "in memory");
        fixture.AssertEqualsOfficial(result, gt);
        Assert.Equal(regrouped.Length, result.DetectionCount);
        Assert.Equal(regrouped.Length, result.Ranked.Count + result.DroppedOnIgnore);
        Assert.All(result.Ranked, r => Assert.Equal(gt.Images[r.ImageIndex].Id, regrouped[r.DetectionIndex].ImageId));
        var metrics = result.ToMetrics();
        Assert.Equal(new[] { "crowd/AP50", "crowd/mMR", "crowd/recall" }, metrics.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(result.Ap, metrics["crowd/AP50"]);
    }

    [Fact]
    public void VisibleModeEqualsTheOfficialToolOnVboxesAsFboxes()
    {
        var fixture = CrowdHumanFixture.Load("visible_boxes");
        var gt = CrowdHumanGroundTruth.Load(fixture.Path("gt.odgt"), CrowdHumanBoxMode.Visible);
        var result = CrowdHumanEvaluator.EvaluateFiles(fixture.Path("gt.odgt"), fixture.Path("dt.odgt"), CrowdHumanBoxMode.Visible);
        fixture.AssertEqualsOfficial(result, gt, "official_on_equivalent_input");
    }

    [Fact]
    public void SizesFromImageFilesOrDtRecordsAndNoHboxGiveTheOfficialNumbers()
    {
        var fixture = CrowdHumanFixture.Load("numeric_ids");
        var gt = CrowdHumanGroundTruth.Load(fixture.Path("gt.odgt"));
        (int, int)? FromImage(string id) => ImageDecoder.ReadUprightSize(fixture.Path(Path.Combine("images", id + ".png")));
        fixture.AssertEqualsOfficial(CrowdHumanEvaluator.EvaluateFiles(fixture.Path("gt_nosize.odgt"), fixture.Path("dt.odgt"), imageSizes: FromImage), gt);
        fixture.AssertEqualsOfficial(CrowdHumanEvaluator.EvaluateFiles(fixture.Path("gt_nosize.odgt"), fixture.Path("dt_sized.odgt")), gt);
        fixture.AssertEqualsOfficial(CrowdHumanEvaluator.EvaluateFiles(fixture.Path("gt_nohbox.odgt"), fixture.Path("dets.json")), gt);
        var noSize = CrowdHumanGroundTruth.Load(fixture.Path("gt_nosize.odgt"), imageSizes: FromImage);
        Assert.Equal(gt.Images.Select(i => (i.Width, i.Height)), noSize.Images.Select(i => (i.Width, i.Height)));
    }

    [Fact]
    public void GeneratorRecordsTheOfficialCrashes()
    {
        Assert.StartsWith("ValueError", CrowdHumanFixture.Load("crash_empty_gtboxes").Expected.GetProperty("official").GetProperty("error").GetString());
        Assert.StartsWith("UnboundLocalError", CrowdHumanFixture.Load("crash_no_detections").Expected.GetProperty("official").GetProperty("error").GetString());
        Assert.StartsWith("UnboundLocalError", CrowdHumanFixture.Load("crash_all_on_ignore").Expected.GetProperty("official").GetProperty("error").GetString());
        Assert.Equal("NaN", CrowdHumanFixture.Load("no_positives").Expected.GetProperty("official").GetProperty("ap").GetString());
    }

    [Fact]
    public void AnImageWithoutGtboxesAddsFalsePositivesOnly()
    {
        // Official: ValueError. Ours: as the official tool on the same files with one untouched 1×1 ignore box there.
        var fixture = CrowdHumanFixture.Load("crash_empty_gtboxes");
        var gt = CrowdHumanGroundTruth.Load(fixture.Path("gt.odgt"));
        var result = CrowdHumanEvaluator.EvaluateFiles(fixture.Path("gt.odgt"), fixture.Path("dt.odgt"));
        fixture.AssertEqualsOfficial(result, gt, "official_on_equivalent_input");
        var note = Assert.Single(result.Notes);
        Assert.Contains("1 image(s) without gtboxes (first: ", note);
        Assert.Contains("line 2 (ID empty)", note);
        Assert.Contains("ValueError", note);
    }

    [Theory]
    [InlineData("crash_no_detections", "UnboundLocalError")]
    [InlineData("crash_all_on_ignore", "UnboundLocalError")]
    [InlineData("no_positives", "NaN")]
    public void UndefinedCasesGiveApZeroRecallZeroMmrOne(string name, string official)
    {
        var fixture = CrowdHumanFixture.Load(name);
        var ours = fixture.Expected.GetProperty("ours");
        var result = CrowdHumanEvaluator.EvaluateFiles(fixture.Path("gt.odgt"), fixture.Path("dt.odgt"));
        Assert.Equal(ours.GetProperty("ap").GetDouble(), result.Ap);
        Assert.Equal(ours.GetProperty("mmr").GetDouble(), result.MissRate);
        Assert.Equal(ours.GetProperty("recall").GetDouble(), result.Recall);
        Assert.Equal((0.0, 1.0, 0.0), (result.Ap, result.MissRate, result.Recall));
        Assert.Equal(ours.GetProperty("positives").GetInt32(), result.Positives);
        Assert.Equal(ours.GetProperty("images").GetInt32(), result.ImageCount);
        Assert.Equal(ours.GetProperty("ranked").GetInt32(), result.Ranked.Count);
        Assert.All(result.MissRateAtReferences, m => Assert.Equal(1.0, m));
        var note = Assert.Single(result.Notes);
        Assert.Contains(official, note);
        Assert.Contains("AP = 0, recall = 0, mMR = 1", note);
    }
}
