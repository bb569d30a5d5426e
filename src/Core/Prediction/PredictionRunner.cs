using System.Diagnostics;
using System.Text.Json;
using Research.Core.Data;
using Research.Core.Evaluation;
using Research.Core.Runtime;
using Research.Core.Visualization;

namespace Research.Core.Prediction;

/// <summary>
/// Runs an <see cref="IImagePredictor"/> over a list of images, one at a time, and writes into
/// <see cref="PredictionOptions.OutputDir"/>: <c>detections.json</c> (COCO results: <c>image_id</c> = the input's
/// <see cref="PredictionInput.Id"/>, <c>category_id</c> = the class's category, XYWH boxes of the original image),
/// <c>images.json</c> (the id → file mapping: <c>{"images": [{id, file_name, path, width, height, picture}],
/// "categories": [{id, name}], "unreadable": [{id, file_name, path, error}]}</c>), a <c>NAME.png</c> per image with
/// the detections above the picture threshold drawn, and for crowd data <c>detections.odgt</c>. An image that cannot
/// be read (missing, not PNG/JPEG, truncated) is reported and skipped; the others go on.
/// </summary>
public static class PredictionRunner
{
    /// <summary>The COCO results file.</summary>
    public const string DetectionsFile = "detections.json";

    /// <summary>The id → image sidecar.</summary>
    public const string ImagesFile = "images.json";

    /// <summary>The CrowdHuman dt file (crowd data only).</summary>
    public const string OdgtFile = "detections.odgt";

    /// <summary>
    /// Predicts every image of <paramref name="inputs"/> and writes the outputs; <paramref name="progress"/> hears of
    /// each image as it is done. Errors other than an unreadable image (<see cref="DatasetException"/>, an I/O or access error reading it) propagate, e.g. a full disk writing a picture.
    /// </summary>
    /// <exception cref="ArgumentException">A picture would overwrite one of the input images.</exception>
    public static PredictionReport Run(IImagePredictor predictor, IReadOnlyList<PredictionInput> inputs, PredictionOptions options,
        Action<PredictionProgress>? progress = null)
    {
        var outputDir = Path.GetFullPath(options.OutputDir);
        var inputPaths = new HashSet<string>(inputs.Select(i => i.Path), StringComparer.Ordinal);
        if (options.Pictures && inputs.FirstOrDefault(i => inputPaths.Contains(PicturePath(outputDir, i))) is { } clash)
            throw new ArgumentException($"output folder {outputDir}: the picture {PicturePath(outputDir, clash)} would overwrite the input image of that name; choose another --output");
        Directory.CreateDirectory(outputDir);
        var classNames = options.Categories.Select(c => c.Name).ToArray();
        var images = new List<(PredictionInput, ImagePrediction)>();
        var failures = new List<PredictionFailure>();
        var files = new List<string>();
        var pictureOptions = new DetectionPictureOptions { ScoreThreshold = options.PictureScoreThreshold };
        for (var i = 0; i < inputs.Count; i++)
        {
            var input = inputs[i];
            var watch = Stopwatch.StartNew();
            ImagePrediction? prediction = null;
            PredictionFailure? failure = null;
            try
            {
                prediction = predictor.Predict(input);
            }
            catch (Exception e) when (e is DatasetException or IOException or UnauthorizedAccessException)
            {
                // Unreadable (missing, not PNG/JPEG, truncated, no permission): this image only; the message names the file.
                failure = new PredictionFailure(input, e is DatasetException ? e.Message : $"image file cannot be read ({e.Message}): {input.Path}");
                failures.Add(failure);
            }
            if (prediction is not null)
            {
                if (options.Pictures)
                {
                    var png = PicturePath(outputDir, input);
                    var drawn = prediction.Boxes.Select(b => new DrawnBox(new BoxXyxy(b.X1, b.Y1, b.X2, b.Y2), b.Class, b.Score)).ToArray();
                    DetectionPicture.Write(input.Path, Array.Empty<DrawnBox>(), drawn, classNames, png, pictureOptions);
                    files.Add(png);
                }
                images.Add((input, prediction));
            }
            progress?.Invoke(new PredictionProgress(i + 1, inputs.Count, input, prediction, failure, watch.Elapsed.TotalSeconds));
        }

        var detections = Path.Combine(outputDir, DetectionsFile);
        CocoDetections.Save(detections, images.SelectMany(p => p.Item2.Boxes.Select(b =>
            CocoDetection.FromXyxy(p.Item1.Id, CategoryOf(options.Categories, b.Class).Id, b.X1, b.Y1, b.X2, b.Y2, b.Score))));
        files.Add(detections);
        var sidecar = Path.Combine(outputDir, ImagesFile);
        WriteImages(sidecar, images, failures, options, outputDir);
        files.Add(sidecar);
        if (options.CrowdHumanOdgt)
        {
            var odgt = Path.Combine(outputDir, OdgtFile);
            CrowdHumanDetections.SaveOdgt(odgt, images.Select(p => new CrowdHumanDtRecord(p.Item1.Name, p.Item2.Width, p.Item2.Height,
                p.Item2.Boxes.Select(b => CrowdHumanDetection.FromXyxy(p.Item1.Name, b.X1, b.Y1, b.X2, b.Y2, b.Score)).ToArray())));
            files.Add(odgt);
        }
        return new PredictionReport(images, failures, files);
    }

    /// <summary>Where the picture of <paramref name="input"/> goes: <c>OUTPUT/NAME.png</c>.</summary>
    public static string PicturePath(string outputDir, PredictionInput input) =>
        Path.GetFullPath(Path.Combine(outputDir, input.Name + ".png"));

    private static CocoCategory CategoryOf(IReadOnlyList<CocoCategory> categories, int cls) =>
        cls >= 0 && cls < categories.Count
            ? categories[cls]
            : throw new InvalidOperationException($"the detector output class {cls}, but only {categories.Count} categories are known");

    private static void WriteImages(string path, IReadOnlyList<(PredictionInput Input, ImagePrediction Prediction)> images,
        IReadOnlyList<PredictionFailure> failures, PredictionOptions options, string outputDir)
    {
        AtomicFile.Write(path, stream =>
        {
            using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            w.WriteStartObject();
            w.WriteStartArray("images"u8);
            foreach (var (input, prediction) in images)
            {
                w.WriteStartObject();
                w.WriteNumber("id"u8, input.Id);
                w.WriteString("file_name"u8, input.FileName);
                w.WriteString("path"u8, input.Path);
                w.WriteNumber("width"u8, prediction.Width);
                w.WriteNumber("height"u8, prediction.Height);
                if (options.Pictures) w.WriteString("picture"u8, Path.GetRelativePath(outputDir, PicturePath(outputDir, input)).Replace('\\', '/'));
                w.WriteNumber("detections"u8, prediction.Boxes.Count);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("categories"u8);
            foreach (var c in options.Categories)
            {
                w.WriteStartObject();
                w.WriteNumber("id"u8, c.Id);
                w.WriteString("name"u8, c.Name);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("unreadable"u8);
            foreach (var f in failures)
            {
                w.WriteStartObject();
                w.WriteNumber("id"u8, f.Input.Id);
                w.WriteString("file_name"u8, f.Input.FileName);
                w.WriteString("path"u8, f.Input.Path);
                w.WriteString("error"u8, f.Message);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }
}
