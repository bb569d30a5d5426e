using Research.Core.Detectors;
using System.Globalization;
using Research.Core.Data;
using Research.Core.Data.Crops;
using Research.Core.Inference;
using Research.Core.Modeling;
using Research.Core.Modeling.Backbone;
using Research.Core.Modeling.Head;
using Research.Core.Runtime;
using Research.Core.SingleObjectTracking;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.SingleObjectTracking;

public class TrackingEvaluatorTests
{
    public TrackingEvaluatorTests() => TorchRuntime.EnsureLoaded();

    private static readonly SyntheticSequenceSpec SmallSpec = new(Seed: 3, Frames: 6, Width: 96, Height: 80, MinTargetSize: 14, MaxTargetSize: 20,
        MaxSpeed: 3, Distractors: 1, Occluders: 0);

    private static readonly FrameNormalization Plain = new(new float[] { 127.5f, 127.5f, 127.5f }, new float[] { 64, 64, 64 }, Bgr: true);

    /// <summary>A one-class DeFCN small enough for a test, random weights, scoring everything (threshold 0).</summary>
    private static Defcn TinyDefcn()
    {
        manual_seed(11);
        var backbone = ResNetFpnBuilder.Build(depth: 18, norm: Norm.None, freezeAt: 0, strideInOneByOne: false,
            stemOutChannels: 8, res2OutChannels: 8, outChannels: 32, topLevels: 0);
        return new Defcn(backbone, numClasses: 1, head: new HeadOptions(NumConvs: 1),
            inference: new InferenceSettings(ScoreThresh: 0.0, TopkCandidates: 50, DetectionsPerImage: 20));
    }

    private static IReadOnlyList<TrackingSequence> WriteSequences(TempDir dir, int count)
    {
        for (var i = 0; i < count; i++)
        {
            using var sequence = SyntheticSequence.Generate(SmallSpec, i);
            sequence.Write(dir.Sub($"seq{i}"));
        }
        return SequenceFolder.ReadOneOrMany(dir.Path);
    }

    [Fact]
    public void FrameNormalizationFlipsToBgrThenSubtractsTheMeanAndDividesByTheStd()
    {
        using var scope = NewDisposeScope();
        // Pixel 0 is RGB (10, 20, 30), pixel 1 (40, 50, 60).
        var frame = tensor(new float[] { 10, 40, 20, 50, 30, 60 }, new long[] { 3, 1, 2 });
        var bgr = new FrameNormalization(new float[] { 1, 2, 3 }, new float[] { 1, 2, 4 }, Bgr: true).Apply(frame);
        // BGR channels: (30, 60), (20, 50), (10, 40) → ((30−1)/1, (60−1)/1), ((20−2)/2, (50−2)/2), ((10−3)/4, (40−3)/4).
        Assert.Equal(new float[] { 29, 59, 9, 24, 1.75f, 9.25f }, bgr.reshape(-1).data<float>().ToArray());
        var rgb = new FrameNormalization(new float[] { 1, 2, 3 }, new float[] { 1, 2, 4 }, Bgr: false).Apply(frame);
        Assert.Equal(new float[] { 9, 39, 9, 24, 6.75f, 14.25f }, rgb.reshape(-1).data<float>().ToArray());
        Assert.Throws<ArgumentException>(() => new FrameNormalization(new float[] { 1, 2 }, new float[] { 1, 1, 1 }, true).Validate());
        Assert.Throws<ArgumentException>(() => new FrameNormalization(new float[] { 1, 2, 3 }, new float[] { 1, 0, 1 }, true).Validate());
    }

    [Fact]
    public void CropDetectorEqualsTheModelsPredictionOnTheZeroPaddedCrop()
    {
        using var scope = NewDisposeScope();
        using var model = TinyDefcn();
        model.eval();
        var crop = randn(3, 40, 40, generator: new TorchSharp.torch.Generator(5));
        var (boxes, scores) = new CropDetector(model).Detect(crop);
        // The same crop padded bottom/right to 64 × 64 by hand through the model's own Predict.
        var padded = zeros(1, 3, 64, 64);
        padded[0, .., ..40, ..40] = crop;
        using var batch = new ImageBatch(padded, new[] { (40, 40) }, new[] { (40, 40) }, new long[] { 0 });
        var expected = model.Predict(batch)[0];
        Assert.Equal(new long[] { expected.Count, 4 }, boxes.shape);
        Assert.True(expected.Count > 0);
        Assert.True(boxes.allclose(expected.Boxes, rtol: 0, atol: 0));
        Assert.True(scores.allclose(expected.Scores, rtol: 0, atol: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CropDetector(model, targetClass: 1));
    }

    [Fact]
    public void AnOracleDetectorTracksPerfectlyAndTheBaselineIsScoredOnTheSameSequence()
    {
        using var dir = new TempDir();
        var sequence = WriteSequences(dir, 1)[0];
        var options = new TrackerOptions(Context: 2, CropSize: 64, SizeUpdateRate: 1);
        // The oracle answers the true box of the frame being tracked, in the crop the tracker cut around the
        // previous (perfect) box: the tracker must map it back exactly.
        var frame = 0;
        DetectInCrop oracle = _ =>
        {
            frame++;
            var map = CropRegion.Around(sequence.GroundTruth[frame - 1], options.Context, options.CropSize);
            var b = map.FrameToCrop(sequence.GroundTruth[frame]);
            return (tensor(new[] { b.X1, b.Y1, b.X2, b.Y2 }, new long[] { 1, 4 }, ScalarType.Float64), tensor(new[] { 0.9 }));
        };
        var result = new TrackingEvaluator(new[] { sequence }, options, Plain).Track(sequence, oracle);
        Assert.Equal(sequence.Count - 1, frame);
        for (var i = 0; i < sequence.Count; i++)
        {
            Assert.Equal(sequence.GroundTruth[i].X1, result.Predicted[i].X1, 9);
            Assert.Equal(sequence.GroundTruth[i].Y2, result.Predicted[i].Y2, 9);
        }
        Assert.Equal(20.0 / 21.0, result.Tracker.SuccessAuc, 12); // perfect: every threshold but t = 1
        Assert.Equal(1.0, result.Tracker.PrecisionAt20);
        var baseline = OnePassEvaluation.Evaluate(FixedBoxBaseline.Track(sequence.GroundTruth), sequence.GroundTruth);
        Assert.Equal(baseline.SuccessAuc, result.Baseline.SuccessAuc);
        Assert.Equal(new[] { 1.0, 0.9, 0.9, 0.9, 0.9, 0.9 }, result.Scores);
        Assert.True(result.Seconds > 0);
    }

    [Fact]
    public void EvaluateWritesPredictionsTablesAndPlotsThatMatchItsReport()
    {
        using var dir = new TempDir();
        var sequences = WriteSequences(dir, 2);
        using var model = TinyDefcn();
        model.train();
        var output = Path.Combine(dir.Path, "out");
        var seen = new List<string>();
        var report = new TrackingEvaluator(sequences, new TrackerOptions(CropSize: 64), Plain, stripFrames: 3)
            .Evaluate(model, output, progress: (i, n, r) => seen.Add($"{i}/{n} {r.Name}"));
        Assert.True(model.training); // flag restored
        Assert.Equal(new[] { "0/2 seq0", "1/2 seq1" }, seen);
        Assert.Equal(2, report.Sequences.Count);
        foreach (var r in report.Sequences)
        {
            var folder = Path.Combine(output, r.Name);
            // predictions.txt is the ground-truth format and round-trips the boxes exactly.
            var back = GroundTruthFile.Read(Path.Combine(folder, "predictions.txt"));
            Assert.Equal(r.Predicted, back);
            Assert.Equal(sequences.Single(s => s.Name == r.Name).GroundTruth[0], r.Predicted[0]); // OPE starts from the truth
            var rows = File.ReadAllLines(Path.Combine(folder, "frames.csv"));
            Assert.Equal("frame,x,y,w,h,score,iou,center_error", rows[0]);
            Assert.Equal(SmallSpec.Frames + 1, rows.Length);
            var last = rows[^1].Split(',');
            Assert.Equal(r.Tracker.Ious[^1], double.Parse(last[6], CultureInfo.InvariantCulture));
            Assert.True(File.Exists(Path.Combine(folder, "strip.png")));
        }
        var averaged = OnePassEvaluation.Average(report.Sequences.Select(r => r.Tracker).ToArray());
        Assert.Equal(averaged.SuccessAuc, report.Metrics["ope/success_auc"]);
        Assert.Equal(averaged.PrecisionAt20, report.Metrics["ope/precision_20"]);
        var baseline = OnePassEvaluation.Average(report.Sequences.Select(r => r.Baseline).ToArray());
        Assert.Equal(baseline.SuccessAuc, report.Metrics["ope_baseline/success_auc"]);
        Assert.True(report.Metrics["ope/fps"] > 0);
        Assert.True(File.Exists(Path.Combine(output, "success_plot.png")));
        var table = File.ReadAllLines(Path.Combine(output, "sequences.csv"));
        Assert.Equal(3, table.Length);
        Assert.StartsWith("seq0,6,", table[1]);
        Assert.Contains(Path.Combine(output, "success_plot.png"), report.Files);
    }

    [Fact]
    public void ReadOneOrManyTakesASequenceOrEverySubfolderInNameOrder()
    {
        using var dir = new TempDir();
        var many = WriteSequences(dir, 2);
        Assert.Equal(new[] { "seq0", "seq1" }, many.Select(s => s.Name));
        Directory.CreateDirectory(dir.Sub(".hidden"));
        Assert.Equal(2, SequenceFolder.ReadOneOrMany(dir.Path).Count);
        var one = SequenceFolder.ReadOneOrMany(dir.Sub("seq1"));
        Assert.Equal("seq1", Assert.Single(one).Name);
        var empty = dir.Sub("empty");
        Directory.CreateDirectory(empty);
        var e = Assert.Throws<InvalidDataException>(() => SequenceFolder.ReadOneOrMany(empty));
        Assert.Contains(empty, e.Message);
        Assert.Contains("neither a sequence folder", e.Message);
        // A folder of folders where one is not a sequence names that one.
        Directory.CreateDirectory(Path.Combine(empty, "broken"));
        var broken = Assert.Throws<InvalidDataException>(() => SequenceFolder.ReadOneOrMany(empty));
        Assert.Contains("broken", broken.Message);
        Assert.Throws<DirectoryNotFoundException>(() => SequenceFolder.ReadOneOrMany(dir.Sub("nope")));
    }
}
