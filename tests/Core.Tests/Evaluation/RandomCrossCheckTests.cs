using Research.Core.Evaluation;
using Xunit;

namespace Research.Core.Tests.Evaluation;

/// <summary>
/// The fast evaluator (grouped layout, outcome bit masks, TP-only accumulation, parallel) against the naive
/// transliteration of pycocotools on seeded random sets with crowds, ties, all area ranges, empty images and
/// more than 100 detections per (image, category): every precision and recall element bit-identical.
/// </summary>
public sealed class RandomCrossCheckTests
{
    private static (CocoGroundTruth, CocoDetection[]) RandomSet(int seed)
    {
        var rng = new Random(seed);
        var images = Enumerable.Range(1, rng.Next(1, 12)).Select(i => (long)i * 3).ToArray();
        var cats = new long[] { 2, 5, 7, 11 }.Take(rng.Next(1, 5)).ToArray();
        var anns = new List<CocoAnnotation>();
        var dets = new List<CocoDetection>();
        double Q(double v) => Math.Round(v * 4) / 4; // quarter pixels: exact IoU ties and threshold hits happen
        foreach (var img in images)
        {
            for (var j = rng.Next(0, 8); j > 0; j--)
            {
                var side = rng.Next(3) switch { 0 => rng.Next(2, 32), 1 => rng.Next(32, 96), _ => rng.Next(96, 200) };
                double w = Q(side * (0.7 + 0.6 * rng.NextDouble())), h = Q(side * (0.7 + 0.6 * rng.NextDouble()));
                anns.Add(new CocoAnnotation(anns.Count + 1, img, cats[rng.Next(cats.Length)], Q(rng.NextDouble() * 300), Q(rng.NextDouble() * 300),
                    w, h, rng.Next(4) == 0 ? w * h : Q(w * h * rng.NextDouble()), rng.Next(12) == 0));
            }
            var n = rng.Next(10) == 0 ? rng.Next(100, 140) : rng.Next(0, 25);
            var mine = anns.Where(a => a.ImageId == img).ToList();
            for (var j = 0; j < n; j++)
            {
                var score = Math.Round(rng.NextDouble(), 1); // coarse scores: many ties
                if (mine.Count > 0 && rng.Next(2) == 0)
                {
                    var g = mine[rng.Next(mine.Count)];
                    var s = rng.NextDouble() * 0.3;
                    dets.Add(new CocoDetection(img, rng.Next(8) == 0 ? cats[rng.Next(cats.Length)] : g.CategoryId,
                        Q(g.X + s * g.Width * (rng.NextDouble() - 0.5)), Q(g.Y + s * g.Height * (rng.NextDouble() - 0.5)),
                        Q(g.Width * (1 + s * (rng.NextDouble() - 0.5))), Q(g.Height * (1 + s * (rng.NextDouble() - 0.5))), score));
                }
                else
                {
                    dets.Add(new CocoDetection(img, cats[rng.Next(cats.Length)], Q(rng.NextDouble() * 300), Q(rng.NextDouble() * 300),
                        Q(rng.NextDouble() * 150), Q(rng.NextDouble() * 150), score));
                }
            }
        }
        return (new CocoGroundTruth(images.Reverse(), cats, anns), dets.ToArray());
    }

    [Theory]
    [InlineData(1)] [InlineData(2)] [InlineData(3)] [InlineData(4)] [InlineData(5)]
    [InlineData(6)] [InlineData(7)] [InlineData(8)] [InlineData(9)] [InlineData(10)]
    [InlineData(11)] [InlineData(12)] [InlineData(13)] [InlineData(14)] [InlineData(15)]
    public void FastEvaluatorEqualsNaiveTransliterationBitForBit(int seed)
    {
        var (gt, dets) = RandomSet(seed);
        var fast = CocoEvaluator.Evaluate(gt, dets);
        var (precision, recall) = NaiveCocoEval.Run(gt, dets);
        for (var t = 0; t < 10; t++)
            for (var k = 0; k < gt.CategoryIds.Count; k++)
                for (var a = 0; a < 4; a++)
                    for (var m = 0; m < 3; m++)
                    {
                        Assert.True(recall[t, k, a, m] == fast.Recall(t, k, a, m), $"seed {seed}: recall[{t},{k},{a},{m}] naive {recall[t, k, a, m]:R} fast {fast.Recall(t, k, a, m):R}");
                        for (var r = 0; r < 101; r++)
                            Assert.True(precision[t, r, k, a, m] == fast.Precision(t, r, k, a, m),
                                $"seed {seed}: precision[{t},{r},{k},{a},{m}] naive {precision[t, r, k, a, m]:R} fast {fast.Precision(t, r, k, a, m):R}");
                    }
    }
}
