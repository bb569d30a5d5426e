using System.Text;
using System.Text.Json;
using Research.Core.Evaluation;
using Xunit;

namespace Research.Core.Tests.Evaluation;

/// <summary>Reading COCO files: what is accepted, and the one-line errors for what is not.</summary>
public sealed class CocoJsonTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("coco-json-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private const string ValidGt = """
        {"info": {"year": 2017}, "images": [{"id": 3, "file_name": "a.png"}, {"id": 1}],
         "annotations": [
           {"id": 7, "image_id": 1, "category_id": 2, "bbox": [1, 2, 3.5, 4], "area": 12.5, "iscrowd": 0, "segmentation": [[1, 2, 3, 4]]},
           {"id": 8, "image_id": 3, "category_id": 2, "bbox": [0, 0, 10, 10], "area": 100, "iscrowd": 1},
           {"id": 9, "image_id": 3, "category_id": 2, "bbox": [5, 5, 10, 10], "area": 100}],
         "categories": [{"id": 2, "name": "b"}, {"id": 1, "name": "a"}]}
        """;

    [Fact]
    public void GroundTruthLoadsTheFieldsTheEvaluatorNeeds()
    {
        var gt = CocoGroundTruth.Load(Write("gt.json", ValidGt));
        Assert.Equal(new long[] { 1, 3 }, gt.ImageIds);
        Assert.Equal(new long[] { 1, 2 }, gt.CategoryIds);
        Assert.Equal(new CocoAnnotation(7, 1, 2, 1, 2, 3.5, 4, 12.5, false), gt.Annotations[0]);
        Assert.True(gt.Annotations[1].IsCrowd);
        Assert.False(gt.Annotations[2].IsCrowd); // iscrowd absent → 0
    }

    [Fact]
    public void DetectionsLoadInFileOrderAndSurviveASaveLoadRoundTrip()
    {
        var path = Write("dets.json", """
            [{"image_id": 1, "category_id": 2, "bbox": [0.1, 0.2, 3, 4], "score": 0.3, "id": 99, "area": 5},
             {"image_id": 3, "category_id": 1, "bbox": [1e-3, 2, 3, 4], "score": 1}]
            """);
        var dets = CocoDetections.Load(path);
        Assert.Equal(new[] { new CocoDetection(1, 2, 0.1, 0.2, 3, 4, 0.3), new CocoDetection(3, 1, 0.001, 2, 3, 4, 1) }, dets);
        var copy = Path.Combine(_dir, "copy.json");
        CocoDetections.Save(copy, dets);
        Assert.Equal(dets, CocoDetections.Load(copy));
    }

    [Fact]
    public void EmptyDetectionsFileEvaluatesToZeros()
    {
        var result = CocoEvaluator.EvaluateFiles(Write("gt.json", ValidGt), Write("dets.json", "[]"));
        Assert.Equal(0.0, result.Ap);
        Assert.Equal(-1.0, result.PerCategoryAp[1]);
        Assert.Equal(0.0, result.PerCategoryAp[2]);
    }

    [Fact]
    public void FromXyxyTakesWidthAndHeightInFloat32()
    {
        var d = CocoDetection.FromXyxy(1, 2, 0.1f, 0.2f, 10.3f, 20.7f, 0.5f);
        Assert.Equal((double)(10.3f - 0.1f), d.Width);
        Assert.Equal((double)(20.7f - 0.2f), d.Height);
        Assert.Equal((double)0.1f, d.X);
        Assert.Equal((double)0.5f, d.Score);
    }

    [Theory]
    [InlineData("""{"images": [{"id": 1}], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]}], "categories": [{"id": 1}]}""",
        "annotations[0] (id 1): missing required field 'area'")]
    [InlineData("""{"images": [{"id": 1}], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1], "area": 1}], "categories": [{"id": 1}]}""",
        "annotations[0]: 'bbox' must have 4 numbers")]
    [InlineData("""{"images": [{"id": 1}], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, -1, 1], "area": 1}], "categories": [{"id": 1}]}""",
        "negative size")]
    [InlineData("""{"images": [{"id": "1"}], "annotations": [], "categories": []}""", "images[0]: 'id' must be an integer, found string 1")]
    [InlineData("""{"images": [{"name": 1}], "annotations": [], "categories": []}""", "images[0]: missing required field 'id'")]
    [InlineData("""{"images": [], "categories": []}""", "top level: missing required field 'annotations'")]
    [InlineData("""[1, 2]""", "top level: expected a COCO instances object")]
    [InlineData("""{"images": [{"id": 1}], "annotations": [{"id": 4, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "area": 1}, {"id": 4, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "area": 1}], "categories": [{"id": 1}]}""",
        "duplicate annotation id 4: annotations[1] (image id 1, line 1) repeats annotations[0] (image id 1, line 1)")]
    [InlineData("""{"images": [{"id": 1}], "annotations": [{"id": 4, "image_id": 1""", "corrupt or truncated JSON")]
    [InlineData("""{"images": [{"id": 1}],, "annotations": []}""", "corrupt or truncated JSON at line 1")]
    public void BadGroundTruthGivesOneLineNamingTheFileAndElement(string json, string expected)
    {
        var path = Write("bad_gt.json", json);
        var e = Assert.Throws<InvalidDataException>(() => CocoGroundTruth.Load(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void DuplicateAnnotationIdNamesBothAnnotationsWithImageAndLine()
    {
        // Line 1 holds the images, line 2 opens "annotations", annotations[0] is on line 3, annotations[2] starts on line 5;
        // the byte order mark shifts no line.
        var path = Write("dup.json", "\uFEFF" + """
            {"images": [{"id": 1}, {"id": 2}],
             "annotations": [
              {"id": 5, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "area": 1},
              {"id": 6, "image_id": 2, "category_id": 1, "bbox": [0, 0, 1, 1], "area": 1},
              {"id": 5, "image_id": 2, "category_id": 1,
               "bbox": [0, 0, 1, 1], "area": 1}],
             "categories": [{"id": 1}]}
            """);
        var e = Assert.Throws<InvalidDataException>(() => CocoGroundTruth.Load(path));
        Assert.Equal($"{path}: duplicate annotation id 5: annotations[2] (image id 2, line 5) repeats annotations[0] (image id 1, line 3); " +
                     "ids must be unique (pycocotools would keep only the last one)", e.Message);
    }

    [Fact]
    public void AnnotationIdZeroIsWarnedOnceWhenTheFileLoads()
    {
        var path = Write("zero.json", """
            {"images": [{"id": 1}, {"id": 2}],
             "annotations": [{"id": 0, "image_id": 2, "category_id": 1, "bbox": [0, 0, 9, 9], "area": 81},
                             {"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 9, 9], "area": 81}],
             "categories": [{"id": 1}]}
            """);
        var warnings = new List<string>();
        var gt = CocoGroundTruth.Load(path, warnings.Add);
        var expected = $"warning: {path}: annotation id 0 (image 2): pycocotools counts a detection matched to it as a false positive; " +
                       "this evaluator does the same, as papers report; renumber ids from 1 to score it";
        Assert.Equal(new[] { expected }, warnings);
        Assert.Equal(expected["warning: ".Length..], Assert.Single(gt.Warnings));
        warnings.Clear();
        CocoGroundTruth.Load(Write("gt.json", ValidGt), warnings.Add);
        Assert.Empty(warnings);
    }

    [Theory]
    [InlineData("""{"image_id": 1}""", "top level: expected a json array of detections")]
    [InlineData("""[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]}]""", "detections[0]: missing required field 'score'")]
    [InlineData("""[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 0.5}, {"image_id": 1.5, "category_id": 1}]""",
        "detections[1]: 'image_id' must be an integer, found number 1.5")]
    [InlineData("""[{"image_id": 1, "category_id": 1, "bbox": "0 0 1 1", "score": 0.5}]""", "detections[0]: expected 'bbox' as an array")]
    [InlineData("""[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 0.5}""", "corrupt or truncated JSON")]
    public void BadDetectionsGiveOneLineNamingTheFileAndElement(string json, string expected)
    {
        var path = Write("bad_dets.json", json);
        var e = Assert.Throws<InvalidDataException>(() => CocoDetections.Load(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void MissingFilesAreNamed()
    {
        var missing = Path.Combine(_dir, "nope.json");
        var e = Assert.Throws<FileNotFoundException>(() => CocoEvaluator.EvaluateFiles(missing, missing));
        Assert.Contains(missing, e.Message);
        Assert.Contains("ground-truth", e.Message);
    }

    [Fact]
    public void DetectionOnUnknownImageNamesTheDetectionsFileAndImage()
    {
        var dets = Write("dets.json", """[{"image_id": 5, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 0.5}]""");
        var e = Assert.Throws<InvalidDataException>(() => CocoEvaluator.EvaluateFiles(Write("gt.json", ValidGt), dets));
        Assert.StartsWith(dets + ": detections[0] has image_id 5", e.Message);
    }

    [Fact]
    public void JsonSummaryHasStatsAndPerCategoryApAsRoundTripNumbers()
    {
        var dir = PycocotoolsParityTests.CaseDir("random_mix");
        var result = CocoEvaluator.EvaluateFiles(Path.Combine(dir, "gt.json"), Path.Combine(dir, "dets.json"));
        using var doc = JsonDocument.Parse(Encoding.UTF8.GetBytes(result.ToJson()));
        Assert.Equal(new[] { "stats", "per_category_ap" }, doc.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(result.Stats, doc.RootElement.GetProperty("stats").EnumerateArray().Select(e => e.GetDouble()));
        var perCategory = doc.RootElement.GetProperty("per_category_ap").EnumerateObject().ToDictionary(p => long.Parse(p.Name), p => p.Value.GetDouble());
        Assert.Equal(result.PerCategoryAp.OrderBy(p => p.Key), perCategory.OrderBy(p => p.Key));
        var table = result.ToTable().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(12, table.Length);
        Assert.StartsWith("AP    Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = ", table[0]);
        Assert.StartsWith("AP75  Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ] = ", table[2]);
        Assert.Equal(result.Stats[11].ToString("0.000", System.Globalization.CultureInfo.InvariantCulture), table[11][^5..]);
        Assert.Equal(result.Ap, result.ToMetrics()["bbox/AP"]);
    }
}
