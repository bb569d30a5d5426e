using Research.Core.Evaluation;
using Research.Core.Tests.SingleObjectTracking;
using Xunit;

namespace Research.Core.Tests.Evaluation;

/// <summary>Reading CrowdHuman .odgt and results files: what is accepted, and the one-line errors for what is not.</summary>
public sealed class CrowdHumanInputTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Write(string name, string text)
    {
        File.WriteAllText(_dir.Sub(name), text);
        return _dir.Sub(name);
    }

    private const string Gt = """
        {"ID": "a", "width": 100, "height": 80, "gtboxes": [{"tag": "mask", "fbox": [0, 0, 50, 50], "vbox": [1, 1, 5, 5]}, {"tag": "person", "fbox": [10, 20, 30, 40], "vbox": [10, 20, 30, 20], "extra": {"ignore": 0}}]}

        {"ID": "b", "gtboxes": [{"tag": "person", "fbox": [0, 0, 5, 5], "extra": {"ignore": true}}, {"tag": "background", "fbox": [1, 1, 5, 5], "extra": {"ignore": false}}, {"tag": "person", "fbox": [2, 2, 5, 5], "extra": {"ignore": 0.0}}]}
        """;

    private static InvalidDataException Refused(Action action) => Assert.Throws<InvalidDataException>(action);

    [Fact]
    public void GroundTruthReadsKindsBoxesAndSizes()
    {
        var gt = CrowdHumanGroundTruth.Load(Write("gt.odgt", Gt));
        Assert.Equal(new[] { "a", "b" }, gt.Images.Select(i => i.Id));
        Assert.Equal((100, 80), (gt.Images[0].Width!.Value, gt.Images[0].Height!.Value));
        Assert.Null(gt.Images[1].Width);
        Assert.Equal(new CrowdHumanGtBox(10, 20, 40, 60, CrowdHumanGtKind.Person), gt.Images[0].Boxes[1]);
        Assert.Equal(new[] { CrowdHumanGtKind.Ignore, CrowdHumanGtKind.Background, CrowdHumanGtKind.Person }, gt.Images[1].Boxes.Select(b => b.Kind));
        Assert.Equal(3, gt.Positives); // persons and the "background" quirk, as the official Σ(_gtNum − _ignNum)
        Assert.Equal(1, gt.IndexOf("b"));
        Assert.Equal(-1, gt.IndexOf("c"));
        Assert.Contains("line 3 (ID b)", gt.Where(1)); // the blank line 2 is skipped but counted

        var visible = CrowdHumanGroundTruth.Load(Write("gt_v.odgt", Gt.Split('\n')[0]), CrowdHumanBoxMode.Visible);
        Assert.Equal(new CrowdHumanGtBox(10, 20, 40, 40, CrowdHumanGtKind.Person), visible.Images[0].Boxes[1]);
        var sized = CrowdHumanGroundTruth.Load(Write("gt_s.odgt", Gt), imageSizes: id => id == "b" ? (64, 48) : (1, 1));
        Assert.Equal(new int?[] { 100, 64 }, sized.Images.Select(i => i.Width)); // the record's own size wins
    }

    [Theory]
    [InlineData("{\"ID\": \"a\", \"gtboxes\": [}", "line 1: corrupt JSON at byte")]
    [InlineData("[1, 2]", "line 1: expected a JSON object, found an array of 2")]
    [InlineData("{\"gtboxes\": []}", "line 1: missing required field 'ID'")]
    [InlineData("{\"ID\": 5, \"gtboxes\": []}", "line 1: 'ID' must be a string, found number 5")]
    [InlineData("{\"ID\": \"a\"}", "line 1 (ID a): missing required field 'gtboxes'")]
    [InlineData("{\"ID\": \"a\", \"width\": 10.5, \"gtboxes\": []}", "line 1 (ID a): 'width' must be a positive integer (pixels), found number 10.5")]
    [InlineData("{\"ID\": \"a\", \"gtboxes\": [{\"fbox\": [0, 0, 1, 1]}]}", "line 1 (ID a): gtboxes[0]: missing required field 'tag'")]
    [InlineData("{\"ID\": \"a\", \"gtboxes\": [{\"tag\": \"person\", \"vbox\": [0, 0, 1, 1]}]}", "line 1 (ID a): gtboxes[0]: missing required field 'fbox'")]
    [InlineData("{\"ID\": \"a\", \"gtboxes\": [{\"tag\": \"person\", \"fbox\": [0, 0, 1]}]}", "line 1 (ID a): gtboxes[0]: 'fbox' must be an array of 4 numbers [x, y, w, h], found an array of 3")]
    [InlineData("{\"ID\": \"a\", \"gtboxes\": [{\"tag\": \"person\", \"fbox\": [0, 0, 1, 1], \"extra\": {\"ignore\": \"1\"}}]}", "line 1 (ID a): gtboxes[0]: 'extra.ignore' must be a number or a boolean, found string \"1\"")]
    public void MalformedGroundTruthLinesAreRefusedNamingFileLineAndId(string line, string message)
    {
        var path = Write("bad.odgt", line);
        var error = Refused(() => CrowdHumanGroundTruth.Load(path)).Message;
        Assert.StartsWith($"{path}: {message}", error);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public void DuplicateIdsAreRefusedNamingBothLines()
    {
        var path = Write("dup.odgt", "{\"ID\": \"a\", \"gtboxes\": []}\n{\"ID\": \"b\", \"gtboxes\": []}\n{\"ID\": \"a\", \"gtboxes\": []}\n");
        Assert.Equal($"{path}: line 3 (ID a): duplicate ID (also {path}: line 1 (ID a))", Refused(() => CrowdHumanGroundTruth.Load(path)).Message);
        var dt = Write("dup_dt.odgt", "{\"ID\": \"a\", \"dtboxes\": []}\n{\"ID\": \"a\", \"dtboxes\": []}\n");
        Assert.Equal($"{dt}: line 2 (ID a): duplicate record (also line 1)", Refused(() => CrowdHumanDetections.Load(dt)).Message);
    }

    [Fact]
    public void DetectionsOfBothFormsLoadInFileOrderWithDtRecordSizes()
    {
        var odgt = CrowdHumanDetections.Load(Write("dt.odgt", """
            {"ID": "a", "width": 100, "height": 80, "dtboxes": [{"box": [1, 2, 3, 4], "score": 0.5, "tag": 1}, {"box": [0, 0, 1, 1], "score": 0.75}]}
            {"ID": "b", "dtboxes": []}
            """));
        Assert.Equal(new[] { new CrowdHumanDetection("a", 1, 2, 3, 4, 0.5), new CrowdHumanDetection("a", 0, 0, 1, 1, 0.75) }, odgt.Detections);
        Assert.Equal(((int?)100, (int?)80), odgt.ImageSizes["a"]);
        Assert.False(odgt.ImageSizes.ContainsKey("b"));
        var coco = CrowdHumanDetections.Load(Write("dets.json", """
             [{"image_id": "a", "category_id": 1, "bbox": [1, 2, 3, 4], "score": 0.5}, {"image_id": 17, "bbox": [0, 0, 1, 1], "score": 0.75}]
            """));
        Assert.Equal(new[] { new CrowdHumanDetection("a", 1, 2, 3, 4, 0.5), new CrowdHumanDetection("17", 0, 0, 1, 1, 0.75) }, coco.Detections);
        Assert.Empty(CrowdHumanDetections.Load(Write("empty.odgt", "")).Detections);
    }

    [Fact]
    public void BadDetectionsAreRefusedNamingTheLineOrElement()
    {
        var gt = CrowdHumanGroundTruth.Load(Write("gt.odgt", Gt));
        var unknown = Write("u.odgt", "{\"ID\": \"a\", \"dtboxes\": []}\n{\"ID\": \"zz\", \"dtboxes\": []}\n");
        Assert.Equal($"{unknown}: line 2 (ID zz): ID not in the ground truth {gt.Source}", Refused(() => CrowdHumanDetections.Load(unknown, gt)).Message);
        var negative = Write("n.odgt", "{\"ID\": \"a\", \"dtboxes\": [{\"box\": [0, 0, -1, 2], \"score\": 1}]}");
        Assert.Equal($"{negative}: line 1 (ID a): dtboxes[0]: 'box' has a negative size (w = -1, h = 2); boxes are [x, y, w, h]",
            Refused(() => CrowdHumanDetections.Load(negative)).Message);
        var noScore = Write("s.odgt", "{\"ID\": \"a\", \"dtboxes\": [{\"box\": [0, 0, 1, 2]}]}");
        Assert.Equal($"{noScore}: line 1 (ID a): dtboxes[0]: missing required field 'score'", Refused(() => CrowdHumanDetections.Load(noScore)).Message);
        var coco = Write("c.json", "[{\"image_id\": \"a\", \"bbox\": [0, 0, 1, 1], \"score\": 1}, {\"image_id\": 3, \"bbox\": [0, 0, 1, 1], \"score\": 1}]");
        Assert.Equal($"{coco}: detections[1]: image_id 3 is not an ID of the ground truth {gt.Source}", Refused(() => CrowdHumanDetections.Load(coco, gt)).Message);
        var badId = Write("i.json", "[{\"image_id\": 1.5, \"bbox\": [0, 0, 1, 1], \"score\": 1}]");
        Assert.StartsWith($"{badId}: detections[0]: 'image_id' must be an image ID", Refused(() => CrowdHumanDetections.Load(badId)).Message);
        Assert.Throws<FileNotFoundException>(() => CrowdHumanDetections.Load(_dir.Sub("none.json")));
        Assert.Throws<FileNotFoundException>(() => CrowdHumanGroundTruth.Load(_dir.Sub("none.odgt")));

        // In memory: an unknown ID or a NaN score is refused with its index.
        Assert.Equal($"run: detections[0]: image ID q is not in the ground truth {gt.Source}",
            Refused(() => CrowdHumanEvaluator.Evaluate(gt, new[] { new CrowdHumanDetection("q", 0, 0, 1, 1, 1) }, "run")).Message);
        Assert.StartsWith("run: detections[0] (ID a): box [0, 0, 1, 1] and score NaN must be finite",
            Refused(() => CrowdHumanEvaluator.Evaluate(gt, new[] { new CrowdHumanDetection("a", 0, 0, 1, 1, double.NaN) }, "run")).Message);
    }

    [Fact]
    public void AnImageWithDetectionsNeedsASizeAndOneWithoutDoesNot()
    {
        var gt = CrowdHumanGroundTruth.Load(Write("gt.odgt", Gt));
        // "b" has no size: fine without detections there ...
        var result = CrowdHumanEvaluator.Evaluate(gt, new[] { CrowdHumanDetection.FromXyxy("a", 10, 20, 40, 60, 0.9f) });
        Assert.Equal((1.0 / 3, 1), (result.Recall, result.Ranked.Count));
        // ... refused with detections, unless the dt records give it.
        var onB = new[] { new CrowdHumanDetection("b", 2, 2, 5, 5, 0.9) };
        Assert.Equal($"{gt.Source}: line 3 (ID b): no width/height to clip its boxes with (not in the record, the detections run or the image sizes given)",
            Refused(() => CrowdHumanEvaluator.Evaluate(gt, onB, "run")).Message);
        var sized = CrowdHumanEvaluator.Evaluate(gt, onB, "run", new Dictionary<string, (int?, int?)> { ["b"] = (10, 10) });
        Assert.True(sized.Ranked[0].IsTruePositive);
    }

    [Fact]
    public void FromXyxyWidensBeforeSubtractingAsCvpodsBoxesDump()
    {
        float x1 = 0.1f, x2 = 100.3f;
        var d = CrowdHumanDetection.FromXyxy("a", x1, 0, x2, 1, 0.5f);
        Assert.Equal((double)x2 - (double)x1, d.Width);
        Assert.NotEqual((double)(x2 - x1), d.Width); // float32 subtraction would round differently
        Assert.Equal((double)0.5f, d.Score);
    }
}
