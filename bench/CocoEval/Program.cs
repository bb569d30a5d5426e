using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Research.Core.Evaluation;

// Usage:
//   CocoEvalBench generate OUT_DIR [--images 5000] [--dets 100] [--seed 7]   writes gt.json and dets.json
//   CocoEvalBench eval GT.json DETS.json OUT.json [--threads N]            evaluates, writes stats + timings
return args.Length > 0 && args[0] == "generate" ? Generate(args) : args.Length > 0 && args[0] == "eval" ? Eval(args) : Usage();

static int Usage()
{
    Console.Error.WriteLine("usage: CocoEvalBench generate OUT_DIR [--images N] [--dets N] [--seed N] | eval GT DETS OUT.json [--threads N]");
    return 2;
}

static int Option(string[] args, string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

// Synthetic COCO-like set: the 80 COCO category ids, ~7 objects per image over all size ranges (1% crowd),
// and per image a fixed number of detections: jittered copies of the GT (some with the wrong class) plus
// random boxes, scores rounded to 3 decimals so ties occur as in real outputs.
static int Generate(string[] args)
{
    if (args.Length < 2) return Usage();
    var dir = args[1];
    int images = Option(args, "--images", 5000), detsPerImage = Option(args, "--dets", 100), seed = Option(args, "--seed", 7);
    Directory.CreateDirectory(dir);
    var rng = new Random(seed);
    long[] cats = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 27, 28, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
        41, 42, 43, 44, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 67, 70, 72, 73, 74, 75, 76, 77, 78, 79, 80,
        81, 82, 84, 85, 86, 87, 88, 89, 90];
    double R(double lo, double hi) => lo + (hi - lo) * rng.NextDouble();
    double Round(double v, int digits) => Math.Round(v, digits);
    var gts = new List<CocoAnnotation>();
    var dets = new List<CocoDetection>();
    long annId = 1;
    for (var img = 1; img <= images; img++)
    {
        var mine = new List<CocoAnnotation>();
        var n = rng.Next(1, 14); // mean 7
        for (var j = 0; j < n; j++)
        {
            var side = rng.NextDouble() switch { < 0.4 => R(4, 32), < 0.75 => R(32, 96), _ => R(96, 400) };
            double w = Round(side * R(0.6, 1.6), 2), h = Round(side * R(0.6, 1.6), 2);
            double x = Round(R(0, Math.Max(1, 640 - w)), 2), y = Round(R(0, Math.Max(1, 480 - h)), 2);
            var a = new CocoAnnotation(annId++, img, cats[rng.Next(cats.Length)], x, y, w, h, Round(w * h * R(0.5, 0.95), 2), rng.NextDouble() < 0.01);
            mine.Add(a);
        }
        gts.AddRange(mine);
        for (var d = 0; d < detsPerImage; d++)
        {
            if (d < 3 * mine.Count && rng.NextDouble() < 0.8)
            {
                var g = mine[d % mine.Count];
                var s = R(0.0, 0.3);
                var cat = rng.NextDouble() < 0.9 ? g.CategoryId : cats[rng.Next(cats.Length)];
                dets.Add(new CocoDetection(img, cat, Round(g.X + R(-s, s) * g.Width, 2), Round(g.Y + R(-s, s) * g.Height, 2),
                    Round(g.Width * R(1 - s, 1 + s), 2), Round(g.Height * R(1 - s, 1 + s), 2), Round(R(0.3, 1.0), 3)));
            }
            else
            {
                var side = R(4, 300);
                dets.Add(new CocoDetection(img, cats[rng.Next(cats.Length)], Round(R(0, 600), 2), Round(R(0, 440), 2),
                    Round(side * R(0.5, 1.5), 2), Round(side * R(0.5, 1.5), 2), Round(R(0.05, 0.7), 3)));
            }
        }
    }
    using (var stream = File.Create(Path.Combine(dir, "gt.json")))
    using (var w = new Utf8JsonWriter(stream))
    {
        w.WriteStartObject();
        w.WriteStartArray("images");
        for (var img = 1; img <= images; img++) { w.WriteStartObject(); w.WriteNumber("id", img); w.WriteNumber("width", 640); w.WriteNumber("height", 480); w.WriteEndObject(); }
        w.WriteEndArray();
        w.WriteStartArray("annotations");
        foreach (var a in gts)
        {
            w.WriteStartObject();
            w.WriteNumber("id", a.Id); w.WriteNumber("image_id", a.ImageId); w.WriteNumber("category_id", a.CategoryId);
            w.WriteStartArray("bbox"); w.WriteNumberValue(a.X); w.WriteNumberValue(a.Y); w.WriteNumberValue(a.Width); w.WriteNumberValue(a.Height); w.WriteEndArray();
            w.WriteNumber("area", a.Area); w.WriteNumber("iscrowd", a.IsCrowd ? 1 : 0);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("categories");
        foreach (var c in cats) { w.WriteStartObject(); w.WriteNumber("id", c); w.WriteString("name", $"c{c}"); w.WriteEndObject(); }
        w.WriteEndArray();
        w.WriteEndObject();
    }
    CocoDetections.Save(Path.Combine(dir, "dets.json"), dets);
    Console.WriteLine($"wrote {images} images, {gts.Count} GT, {dets.Count} detections to {dir}");
    return 0;
}

static int Eval(string[] args)
{
    if (args.Length < 4) return Usage();
    var threads = Option(args, "--threads", -1);
    var total = Stopwatch.StartNew();
    var sw = Stopwatch.StartNew();
    var gt = CocoGroundTruth.Load(args[1]);
    var loadGt = sw.Elapsed.TotalSeconds; sw.Restart();
    var dets = CocoDetections.Load(args[2]);
    var loadDets = sw.Elapsed.TotalSeconds; sw.Restart();
    var result = CocoEvaluator.Evaluate(gt, dets, args[2], threads);
    var evaluate = sw.Elapsed.TotalSeconds;
    var seconds = total.Elapsed.TotalSeconds;
    Console.Write(result.ToTable());
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"ours: load GT {loadGt:F2} s, load detections {loadDets:F2} s, evaluate {evaluate:F2} s, total {seconds:F2} s"));
    using var doc = JsonDocument.Parse(result.ToJson());
    using var stream = File.Create(args[3]);
    using var w = new Utf8JsonWriter(stream);
    w.WriteStartObject();
    foreach (var p in doc.RootElement.EnumerateObject()) p.WriteTo(w);
    w.WriteNumber("seconds", seconds);
    w.WriteNumber("seconds_without_gt_load", loadDets + evaluate);
    w.WriteEndObject();
    return 0;
}
