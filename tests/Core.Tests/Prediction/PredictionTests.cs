using System.Text.Json;
using Research.Core.Data;
using Research.Core.Evaluation;
using Research.Core.Prediction;
using Research.Core.Runtime;
using Research.Core.Tests.Data;
using Xunit;

namespace Research.Core.Tests.Prediction;

/// <summary>
/// The image list of a command line (order, filtering, names) and what <see cref="PredictionRunner"/> writes for a
/// predictor that returns known boxes: COCO results with the categories' ids, the sidecar, pictures, the CrowdHuman dt
/// file, and an unreadable image that stops nothing.
/// </summary>
public sealed class PredictionTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "research-prediction-tests", Guid.NewGuid().ToString("N"));

    public PredictionTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private string Png(string relative, int width = 40, int height = 30)
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        DataFixture.WritePng(path, width, height, (x, y) => ((byte)(x * 5), (byte)(y * 7), (byte)90));
        return path;
    }

    private string Text(string relative, string text = "x")
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void FoldersListTheirImagesSortedOrdinallyOneLevelDeepThenFilesAsGiven()
    {
        Png("imgs/b.png");
        Png("imgs/B2.PNG");
        Png("imgs/a.jpg");
        Png("imgs/sub/c.png");
        Text("imgs/notes.txt");
        var extra = Path.Combine(_dir, "elsewhere", "missing.png");
        var inputs = PredictionInputs.List(new[] { Path.Combine(_dir, "imgs"), extra, Path.Combine(_dir, "imgs", "a.jpg") });
        // Ordinal: upper case before lower case; .txt is not an image; the subfolder is not read; a.jpg once.
        Assert.Equal(new[] { "B2.PNG", "a.jpg", "b.png", extra }, inputs.Select(i => i.FileName));
        Assert.Equal(new[] { 1L, 2L, 3L, 4L }, inputs.Select(i => i.Id));
        Assert.Equal(new[] { "B2", "a", "b", "missing" }, inputs.Select(i => i.Name));
        Assert.Equal(Path.Combine(_dir, "imgs", "a.jpg"), inputs[1].Path);

        var recursive = PredictionInputs.List(new[] { Path.Combine(_dir, "imgs") }, recursive: true);
        Assert.Equal(new[] { "B2.PNG", "a.jpg", "b.png", "sub/c.png" }, recursive.Select(i => i.FileName));
        Assert.Equal("sub/c", recursive[3].Name);
    }

    [Fact]
    public void InputsSharingAStemGetTheirIdAppendedSoPicturesNeverOverwriteEachOther()
    {
        Png("x/a.png");
        Png("x/a.jpg");
        Png("y/A.png");
        var inputs = PredictionInputs.List(new[] { Path.Combine(_dir, "x"), Path.Combine(_dir, "y") });
        Assert.Equal(new[] { "a", "a_2", "A_3" }, inputs.Select(i => i.Name));   // a.jpg sorts before a.png
        Assert.Equal(new[] { "a.jpg", "a.png", "A.png" }, inputs.Select(i => i.FileName));
    }

    [Fact]
    public void AFolderWithoutImagesIsAnErrorNamingIt()
    {
        Text("empty/readme.txt");
        Png("empty/deeper/a.png");
        var folder = Path.Combine(_dir, "empty");
        var e = Assert.Throws<DatasetException>(() => PredictionInputs.List(new[] { folder }));
        Assert.Equal($"{folder}: no images in this folder (.jpg, .jpeg, .png; subfolders are not read)", e.Message);
        Assert.Single(PredictionInputs.List(new[] { folder }, recursive: true));
        Assert.Throws<DatasetException>(() => PredictionInputs.List(Array.Empty<string>()));
    }

    /// <summary>Known detections per image name; "bad" names fail as an unreadable file does.</summary>
    private sealed class FixedPredictor(IReadOnlyDictionary<string, PredictedBox[]> boxes) : IImagePredictor
    {
        public List<string> Seen { get; } = new();

        public string Description => "fixed boxes";

        public ImagePrediction Predict(PredictionInput image)
        {
            Seen.Add(image.Name);
            var (w, h) = ImageDecoder.ReadUprightSize(image.Path);
            return new ImagePrediction(w, h, boxes.TryGetValue(image.Name, out var b) ? b : Array.Empty<PredictedBox>());
        }
    }

    private static readonly CocoCategory[] Categories = { new(7, "cat", 0), new(9, "dog", 1) };

    [Fact]
    public void TheRunnerWritesResultsWithCategoryIdsTheSidecarAndPicturesAndGoesOnAfterAnUnreadableImage()
    {
        Png("in/one.png", 40, 30);
        Text("in/two.png", "not a png");
        Png("in/three.png", 20, 50);
        var inputs = PredictionInputs.List(new[] { Path.Combine(_dir, "in") });
        Assert.Equal(new[] { "one", "three", "two" }, inputs.Select(i => i.Name));
        var predictor = new FixedPredictor(new Dictionary<string, PredictedBox[]>
        {
            ["one"] = new[] { new PredictedBox(1.5f, 2f, 11.25f, 22f, 0.9f, 1), new PredictedBox(0f, 0f, 4f, 4f, 0.2f, 0) },
            ["three"] = new[] { new PredictedBox(3f, 4f, 5f, 6f, 0.5f, 0) },
        });
        var output = Path.Combine(_dir, "out");
        var progress = new List<PredictionProgress>();
        var report = PredictionRunner.Run(predictor, inputs, new PredictionOptions(output, Categories) { CrowdHumanOdgt = true }, progress.Add);

        Assert.Equal(new[] { "one", "three", "two" }, predictor.Seen);
        Assert.Equal(new[] { 1, 2, 3 }, progress.Select(p => p.Done));
        Assert.All(progress, p => Assert.Equal(3, p.Total));
        var failure = Assert.Single(report.Failures);
        Assert.Equal("two", failure.Input.Name);
        Assert.Equal($"image file cannot be decoded (not PNG/JPEG or corrupt): {Path.Combine(_dir, "in", "two.png")}", failure.Message);
        Assert.Same(failure, progress[2].Failure);
        Assert.Null(progress[2].Prediction);
        Assert.Equal(3, report.Detections);

        var results = CocoDetections.Load(Path.Combine(output, PredictionRunner.DetectionsFile));
        Assert.Equal(new[]
        {
            new CocoDetection(1, 9, 1.5, 2, 9.75, 20, 0.9f),
            new CocoDetection(1, 7, 0, 0, 4, 4, 0.2f),
            new CocoDetection(2, 7, 3, 4, 2, 2, 0.5f),
        }, results);

        using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, PredictionRunner.ImagesFile))))
        {
            var images = doc.RootElement.GetProperty("images").EnumerateArray().ToArray();
            Assert.Equal(new[] { (1L, "one.png", 40, 30, "one.png", 2), (2L, "three.png", 20, 50, "three.png", 1) },
                images.Select(i => (i.GetProperty("id").GetInt64(), i.GetProperty("file_name").GetString()!, i.GetProperty("width").GetInt32(),
                    i.GetProperty("height").GetInt32(), i.GetProperty("picture").GetString()!, i.GetProperty("detections").GetInt32())));
            Assert.Equal(new[] { (7L, "cat"), (9L, "dog") },
                doc.RootElement.GetProperty("categories").EnumerateArray().Select(c => (c.GetProperty("id").GetInt64(), c.GetProperty("name").GetString()!)));
            var unreadable = Assert.Single(doc.RootElement.GetProperty("unreadable").EnumerateArray().ToArray());
            Assert.Equal(3, unreadable.GetProperty("id").GetInt64());
            Assert.Equal(failure.Message, unreadable.GetProperty("error").GetString());
        }

        // Pictures at the picture scale (512 / longest side, at most 4), none for the unreadable image.
        Assert.Equal((160, 120), ImageDecoder.ReadUprightSize(Path.Combine(output, "one.png")));
        Assert.Equal((80, 200), ImageDecoder.ReadUprightSize(Path.Combine(output, "three.png")));
        Assert.False(File.Exists(Path.Combine(output, "two.png")));

        var dt = CrowdHumanDetections.Load(Path.Combine(output, PredictionRunner.OdgtFile));
        Assert.Equal(new[]
        {
            new CrowdHumanDetection("one", 1.5, 2, 9.75, 20, 0.9f),
            new CrowdHumanDetection("one", 0, 0, 4, 4, 0.2f),
            new CrowdHumanDetection("three", 3, 4, 2, 2, 0.5f),
        }, dt.Detections);
        Assert.Equal(((int?)40, (int?)30), dt.ImageSizes["one"]);
        Assert.Equal(((int?)20, (int?)50), dt.ImageSizes["three"]);
    }

    [Fact]
    public void PicturesThatWouldOverwriteAnInputAreRefusedBeforeAnythingRuns()
    {
        var image = Png("same/a.png");
        var predictor = new FixedPredictor(new Dictionary<string, PredictedBox[]>());
        var inputs = PredictionInputs.List(new[] { image });
        var e = Assert.Throws<ArgumentException>(() => PredictionRunner.Run(predictor, inputs, new PredictionOptions(Path.Combine(_dir, "same"), Categories)));
        Assert.Contains("would overwrite the input image", e.Message);
        Assert.Empty(predictor.Seen);
        Assert.False(File.Exists(Path.Combine(_dir, "same", PredictionRunner.DetectionsFile)));
    }

    [Fact]
    public void DtOdgtFilesReadBackAsWrittenAndRefuseTwoRecordsOfOneImage()
    {
        var path = Path.Combine(_dir, "dt.odgt");
        var a = new CrowdHumanDetection("273271,c9db000d5146c15", 0.1, 2.5, 30.000000000000004, 1e-3, 0.123456789);
        CrowdHumanDetections.SaveOdgt(path, new[]
        {
            new CrowdHumanDtRecord("273271,c9db000d5146c15", 640, 480, new[] { a, a with { Score = 0.5 } }),
            new CrowdHumanDtRecord("empty", 10, 20, Array.Empty<CrowdHumanDetection>()),
        });
        var lines = File.ReadAllLines(path);
        Assert.Equal(2, lines.Length);
        Assert.Equal("""{"ID":"empty","width":10,"height":20,"dtboxes":[]}""", lines[1]);
        var back = CrowdHumanDetections.Load(path);
        Assert.Equal(new[] { a, a with { Score = 0.5 } }, back.Detections);
        Assert.Equal(((int?)640, (int?)480), back.ImageSizes["273271,c9db000d5146c15"]);
        Assert.Throws<ArgumentException>(() => CrowdHumanDetections.SaveOdgt(path, new[]
        {
            new CrowdHumanDtRecord("x", 1, 1, Array.Empty<CrowdHumanDetection>()), new CrowdHumanDtRecord("x", 1, 1, Array.Empty<CrowdHumanDetection>()),
        }));
        Assert.Throws<ArgumentException>(() => CrowdHumanDetections.SaveOdgt(path, new[] { new CrowdHumanDtRecord("x", 1, 1, new[] { a }) }));
        Assert.Equal(lines, File.ReadAllLines(path));   // a refused write leaves the file as it was
    }

    [Fact]
    public void CategoriesOfAnAnnotationFileAreTheClassMappingOfTheDataset()
    {
        Png("a.png", 4, 4);
        var json = Text("ann.json", """
            {"images": [{"id": 1, "file_name": "a.png", "width": 4, "height": 4}], "annotations": [],
             "categories": [{"id": 18, "name": "dog"}, {"id": 3, "name": "car"}, {"id": 90, "name": "toothbrush"}]}
            """);
        var categories = CocoDataset.LoadCategories(json);
        Assert.Equal(new[] { new CocoCategory(3, "car", 0), new CocoCategory(18, "dog", 1), new CocoCategory(90, "toothbrush", 2) }, categories);
        Assert.Equal(categories, CocoDataset.Load(json, _dir, new CocoLoadOptions { CheckImages = false }).Categories);
        var missing = Path.Combine(_dir, "none.json");
        Assert.Equal($"{missing}: annotation file not found", Assert.Throws<DatasetException>(() => CocoDataset.LoadCategories(missing)).Message);
        Assert.Equal(new[] { new CocoCategory(1, "rectangle", 0), new CocoCategory(2, "ellipse", 1) }, SyntheticDataset.Categories(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticDataset.Categories(7));
    }
}
