using Research.Core.Evaluation;
using Xunit;

namespace Research.Core.Tests.Evaluation;

/// <summary>
/// Cases whose COCO numbers follow by construction (hand-derived in each test), independent of pycocotools runs.
/// Note on eps: precision is tp/(tp + fp + 2.2e-16); for tp = 1 that is 0.9999999999999998, for tp ≥ 2 the eps
/// is below half an ulp and the precision is exactly 1.
/// </summary>
public sealed class KnownAnswerTests
{
    private const double OneOverOnePlusEps = 0.9999999999999998;

    private static CocoAnnotation Gt(long id, long image, long cat, double x, double y, double w, double h, bool crowd = false) =>
        new(id, image, cat, x, y, w, h, w * h, crowd);

    private static CocoDetection Det(long image, long cat, double x, double y, double w, double h, double score) =>
        new(image, cat, x, y, w, h, score);

    // One small (20×20 = 400), one medium (50×50) and one large (120×120) object per image, category 1.
    private static CocoGroundTruth ThreeSizes(int images, params long[] extraCategories)
    {
        var anns = new List<CocoAnnotation>();
        for (var i = 1; i <= images; i++)
        {
            anns.Add(Gt(3 * i - 2, i, 1, 10, 10, 20, 20));
            anns.Add(Gt(3 * i - 1, i, 1, 100, 100, 50, 50));
            anns.Add(Gt(3 * i, i, 1, 300, 200, 120, 120));
        }
        return new CocoGroundTruth(Enumerable.Range(1, images).Select(i => (long)i), new long[] { 1 }.Concat(extraCategories), anns);
    }

    [Fact]
    public void PerfectDetectionsGiveOneInEveryStat()
    {
        var gt = ThreeSizes(4);
        var dets = gt.Annotations.Select((a, n) => Det(a.ImageId, 1, a.X, a.Y, a.Width, a.Height, 0.9 - 0.01 * n)).ToArray();
        var result = CocoEvaluator.Evaluate(gt, dets);
        // ≥ 2 true positives per (category, area) everywhere: precision exactly 1 after the envelope.
        for (var i = 0; i < 12; i++)
            if (i != 6) Assert.Equal(1.0, result.Stats[i]);
        // AR1: one detection per (image, category) finds one of the 3 GT of the image.
        Assert.Equal(1.0 / 3.0, result.Stats[6], 15);
        Assert.Equal(1.0, result.PerCategoryAp[1]);
    }

    [Fact]
    public void PerfectSingleDetectionShowsTheEpsOfPycocotools()
    {
        var gt = new CocoGroundTruth(new long[] { 1 }, new long[] { 1 }, new[] { Gt(1, 1, 1, 10, 10, 50, 50) });
        var result = CocoEvaluator.Evaluate(gt, new[] { Det(1, 1, 10, 10, 50, 50, 0.5) });
        Assert.Equal(OneOverOnePlusEps, result.Precision(0, 100, 0, 0, 2));
        Assert.InRange(result.Ap50, 1 - 3e-16, OneOverOnePlusEps + 1e-16);   // mean of 101 × (1 − 2^-52)
        Assert.True(result.Ap50 < 1.0);
        Assert.Equal(1.0, result.Stats[8]); // recall has no eps
    }

    [Theory]
    [InlineData(100, 25, 3)]   // IoU 75/125 = 0.6: matched at 0.50, 0.55, 0.60
    [InlineData(140, 20, 6)]   // IoU 120/160 = 0.75: matched at 0.50 … 0.75
    [InlineData(100, 60, 0)]   // IoU 40/160 = 0.25: never
    public void DetectionsShiftedToAKnownIouMatchAtTheThresholdsBelowIt(double width, double shift, int thresholdsMatched)
    {
        // Square GT of side `width` (all large), each detection shifted right: IoU = (w − s)/(w + s).
        var anns = Enumerable.Range(1, 5).Select(i => Gt(i, i, 1, 0, 0, width, width)).ToArray();
        var gt = new CocoGroundTruth(Enumerable.Range(1, 5).Select(i => (long)i), new long[] { 1 }, anns);
        var dets = anns.Select((a, n) => Det(a.ImageId, 1, shift, 0, width, width, 0.9 - 0.1 * n)).ToArray();
        var result = CocoEvaluator.Evaluate(gt, dets);
        var fraction = thresholdsMatched / 10.0;
        Assert.Equal(fraction, result.Ap, 15);
        Assert.Equal(thresholdsMatched >= 1 ? 1.0 : 0.0, result.Ap50);
        Assert.Equal(thresholdsMatched >= 6 ? 1.0 : 0.0, result.Ap75);
        Assert.Equal(fraction, result.Stats[8], 15);         // AR100
        Assert.Equal(fraction, result.Stats[11], 15);        // ARl
        Assert.Equal(-1.0, result.Stats[3]);                 // no small GT
        Assert.Equal(-1.0, result.Stats[4]);                 // no medium GT
        Assert.Equal(thresholdsMatched / 10.0, Enumerable.Range(0, 10).Count(t => result.Recall(t, 0, 0, 2) == 1.0) / 10.0);
    }

    [Fact]
    public void CrowdOnlyCategoryIsUndefinedAndDetectionsOnCrowdsCostNothing()
    {
        var anns = new List<CocoAnnotation>
        {
            Gt(1, 1, 1, 10, 10, 40, 40), Gt(2, 1, 1, 100, 10, 40, 40),
            Gt(3, 1, 1, 200, 200, 200, 200, crowd: true),   // a crowd of category 1
            Gt(4, 2, 2, 0, 0, 300, 300, crowd: true),       // category 2 has only a crowd
        };
        var gt = new CocoGroundTruth(new long[] { 1, 2 }, new long[] { 1, 2 }, anns);
        var hits = new[] { Det(1, 1, 10, 10, 40, 40, 0.5), Det(1, 1, 100, 10, 40, 40, 0.4) };
        var clean = CocoEvaluator.Evaluate(gt, hits);
        // High-scoring detections inside the crowd (IoU = intersection over detection = 1), several on the same crowd.
        var withCrowdHits = hits.Concat(new[]
        {
            Det(1, 1, 210, 210, 50, 50, 0.99), Det(1, 1, 250, 250, 60, 60, 0.98), Det(1, 1, 300, 300, 20, 20, 0.97),
            Det(2, 2, 10, 10, 100, 100, 0.9),
        }).ToArray();
        var crowded = CocoEvaluator.Evaluate(gt, withCrowdHits);
        Assert.Equal(1.0, clean.Ap);
        Assert.Equal(0.5, clean.Stats[6]);
        // Ignored detections add neither TP nor FP; they only take maxDets slots: the top detection of image 1 is
        // now a crowd hit, so AR1 drops to 0 and nothing else moves.
        Assert.Equal(0.0, crowded.Stats[6]);
        Assert.Equal(clean.Stats.Where((_, i) => i != 6), crowded.Stats.Where((_, i) => i != 6));
        Assert.Equal(-1.0, crowded.PerCategoryAp[2]);
        Assert.Equal(-1.0, crowded.Recall(0, 1, 0, 2));
    }

    [Fact]
    public void OnlyTheFirst100DetectionsPerImageAndCategoryCount()
    {
        var gt = new CocoGroundTruth(new long[] { 1 }, new long[] { 1, 2 }, new[] { Gt(1, 1, 1, 0, 0, 50, 50) });
        var falsePositives = Enumerable.Range(0, 99).Select(i => Det(1, 1, 400, 400, 10, 10, 0.9)).ToList();
        // The true positive ranks 100th (ties keep input order): kept, precision 1/100 at full recall.
        var at100 = CocoEvaluator.Evaluate(gt, falsePositives.Append(Det(1, 1, 0, 0, 50, 50, 0.9)).ToArray());
        Assert.Equal(1.0, at100.Stats[8]);                  // AR100
        Assert.Equal(0.0, at100.Stats[6]);                  // AR1
        Assert.Equal(0.0, at100.Stats[7]);                  // AR10
        Assert.Equal(0.01, at100.Precision(0, 0, 0, 0, 2));
        Assert.Equal(0.01, at100.Ap50, 15);
        // One more false positive first: the true positive is 101st and is cut.
        var at101 = CocoEvaluator.Evaluate(gt, falsePositives.Append(Det(1, 1, 400, 400, 10, 10, 0.95)).Append(Det(1, 1, 0, 0, 50, 50, 0.9)).ToArray());
        Assert.Equal(0.0, at101.Stats[8]);
        Assert.Equal(0.0, at101.Ap);
        Assert.Equal(100, at101.DetectionsEvaluated);
        // The cap is per (image, category): 120 detections of category 2 ahead do not push it out.
        var otherCategory = Enumerable.Range(0, 120).Select(i => Det(1, 2, 400, 400, 10, 10, 0.99)).ToList();
        var mixed = CocoEvaluator.Evaluate(gt, otherCategory.Concat(falsePositives).Append(Det(1, 1, 0, 0, 50, 50, 0.9)).ToArray());
        Assert.Equal(1.0, mixed.Recall(0, 0, 0, 2));
        Assert.Equal(-1.0, mixed.PerCategoryAp[2]);         // category 2 has no GT
    }

    [Fact]
    public void ScoreTiesFollowInputOrderInsideAnImageAndImageIdAcrossImages()
    {
        var gt = new CocoGroundTruth(new long[] { 1, 2 }, new long[] { 1 }, new[] { Gt(1, 2, 1, 0, 0, 50, 50) });
        var tp = Det(2, 1, 0, 0, 50, 50, 0.7);
        var fpSameImage = Det(2, 1, 300, 300, 50, 50, 0.7);
        var fpImage1 = Det(1, 1, 300, 300, 50, 50, 0.7);
        // TP first: precision 1/(1+eps) at the only recall level.
        Assert.Equal(OneOverOnePlusEps, CocoEvaluator.Evaluate(gt, new[] { tp, fpSameImage }).Precision(0, 50, 0, 0, 2));
        // FP first: 1/2.
        Assert.Equal(0.5, CocoEvaluator.Evaluate(gt, new[] { fpSameImage, tp }).Precision(0, 50, 0, 0, 2));
        // Across images the lower image id goes first, whatever the input order.
        Assert.Equal(0.5, CocoEvaluator.Evaluate(gt, new[] { tp, fpImage1 }).Precision(0, 50, 0, 0, 2));
    }

    [Fact]
    public void EqualIouToTwoGtGoesToTheLaterGt()
    {
        // The first detection overlaps GT 1 and GT 2 equally (IoU 70/90) and takes the later one, GT 2. The second
        // equals GT 2 (IoU 1, but taken) and overlaps GT 1 with IoU 60/100 = 0.6: matched up to t = 0.60 only.
        // Had the first GT won the tie, the second detection would take GT 2 at every threshold up to 0.75.
        var gt = new CocoGroundTruth(new long[] { 1 }, new long[] { 1 },
            new[] { Gt(1, 1, 1, 0, 0, 10, 8), Gt(2, 1, 1, 0, 2, 10, 8) });
        var dets = new[] { Det(1, 1, 0, 1, 10, 8, 0.9), Det(1, 1, 0, 2, 10, 8, 0.8) };
        var result = CocoEvaluator.Evaluate(gt, dets);
        Assert.Equal(1.0, result.Recall(0, 0, 0, 2));                // t = 0.50: both matched
        Assert.Equal(1.0, result.Recall(2, 0, 0, 2));                // t = 0.60: 0.6 ≥ 0.6
        Assert.Equal(0.5, result.Recall(3, 0, 0, 2));                // t = 0.65: only the first
    }

    [Fact]
    public void EmptyDetectionListGivesZerosWhereGtExistsAndMinusOneElsewhere()
    {
        var gt = ThreeSizes(2, extraCategories: 5);
        var result = CocoEvaluator.Evaluate(gt, Array.Empty<CocoDetection>());
        Assert.All(result.Stats, s => Assert.Equal(0.0, s));
        Assert.Equal(0.0, result.PerCategoryAp[1]);
        Assert.Equal(-1.0, result.PerCategoryAp[5]);
        Assert.Equal(0, result.DetectionsEvaluated);
    }

    [Fact]
    public void DetectionOnAnImageOutsideTheGroundTruthIsRefusedWithItsId()
    {
        var gt = ThreeSizes(2);
        var e = Assert.Throws<InvalidDataException>(() =>
            CocoEvaluator.Evaluate(gt, new[] { Det(1, 1, 0, 0, 5, 5, 0.5), Det(77, 1, 0, 0, 5, 5, 0.5) }, "run 3"));
        Assert.Contains("image_id 77", e.Message);
        Assert.Contains("detections[1]", e.Message);
        Assert.Contains("run 3", e.Message);
    }

    [Fact]
    public void UnknownCategoriesAreLeftOutAndCounted()
    {
        var gt = ThreeSizes(1);
        var dets = gt.Annotations.Select(a => Det(a.ImageId, 1, a.X, a.Y, a.Width, a.Height, 0.5)).Append(Det(1, 42, 0, 0, 9, 9, 0.99)).ToArray();
        var result = CocoEvaluator.Evaluate(gt, dets);
        Assert.Equal(1, result.DetectionsLeftOut);
        Assert.Equal(3, result.DetectionsEvaluated);
    }

    [Fact]
    public void ADetectionMatchedToAnnotationIdZeroIsAFalsePositiveAsInPycocotools()
    {
        // pycocotools stores a match as the GT id and reads 0 as "unmatched". One image, GT id 0 at A and id 1 at B
        // (both 50×50 = 2500, medium), a detection exactly on each: 0.9 on A, 0.8 on B. At every threshold the
        // score-sorted sequence is FP (matched to id 0), TP; npig = 2 (the id-0 GT counts).
        // rc = [0, 1/2], pr = [0, 1/(2+eps)] = [0, 0.5] → envelope [0.5, 0.5]. Recall thresholds 0..0.50 (51 of 101;
        // recThrs[50] is exactly 0.5) find 0.5, the 50 above 0.5 find nothing → 0. AP = 10·51·0.5 / 1010, the sum exact.
        var gt = new CocoGroundTruth(new long[] { 1 }, new long[] { 1 }, new[] { Gt(0, 1, 1, 0, 0, 50, 50), Gt(1, 1, 1, 100, 0, 50, 50) });
        var result = CocoEvaluator.Evaluate(gt, new[] { Det(1, 1, 0, 0, 50, 50, 0.9), Det(1, 1, 100, 0, 50, 50, 0.8) });
        Assert.Equal(255.0 / 1010.0, result.Ap);
        Assert.Equal(255.0 / 1010.0, result.Ap50);
        Assert.Equal(255.0 / 1010.0, result.Ap75);
        Assert.Equal(255.0 / 1010.0, result.Stats[4]);          // APm: both GT are medium
        Assert.Equal(-1.0, result.Stats[3]);                    // APs: no small GT
        Assert.Equal(0.0, result.Stats[6]);                     // AR1: the one detection kept is the FP
        Assert.Equal(0.5, result.Stats[8]);                     // AR100: 1 of 2 GT found
        Assert.Equal(0.5, result.Precision(0, 50, 0, 0, 2));
        Assert.Equal(0.0, result.Precision(0, 51, 0, 0, 2));
    }

    [Fact]
    public void AnnotationIdZeroIsUsedUpByItsFalsePositiveSoALaterDetectionTakesTheNextGt()
    {
        // GT id 0 at (0,0,50,50) and id 2 at (10,0,50,50): IoU between them 40·50 / (2500+2500−2000) = 2/3.
        // Two detections exactly on id 0 (0.9, 0.8). The first takes id 0 (IoU 1 beats 2/3): FP, id 0 used up.
        // The second skips the used id 0 and takes id 2 wherever 2/3 >= t (t = 0.50 … 0.65): TP; above, FP.
        // So recall is 1/2 at t ≤ 0.65 and 0 from 0.70 on (not 0: id 0 was not left free for the second;
        // not 1: id 0 gave no TP).
        var gt = new CocoGroundTruth(new long[] { 1 }, new long[] { 1 }, new[] { Gt(0, 1, 1, 0, 0, 50, 50), Gt(2, 1, 1, 10, 0, 50, 50) });
        var result = CocoEvaluator.Evaluate(gt, new[] { Det(1, 1, 0, 0, 50, 50, 0.9), Det(1, 1, 0, 0, 50, 50, 0.8) });
        for (var t = 0; t < 10; t++) Assert.Equal(t <= 3 ? 0.5 : 0.0, result.Recall(t, 0, 0, 2));
        // t = 0.5: FP then TP → pr envelope [0.5, 0.5].
        Assert.Equal(0.5, result.Precision(0, 0, 0, 0, 2));
    }

    [Fact]
    public void ADetectionMatchedToAnnotationIdZeroIsIgnoredWhenItsOwnAreaIsOutOfRange()
    {
        // Small range [0, 1024]. GT id 0 at (0,0,30,30) and id 1 at (100,0,30,30), area 900 each: both small.
        // Detection 0.9 at (0,0,33,33) (box area 1089 > 1024, IoU 900/1089 = 0.826 with id 0), detection 0.8 exactly
        // on id 1. At t = 0.5 the first matches id 0, reads as unmatched, and its own area is out of the small range:
        // ignored (in pycocotools: dtIg |= dtm == 0 & area out of range). Sequence (ignored, TP), npig = 2 →
        // precision 1/(1+eps) at recall 0, recall 1/2. In "all" the first is an FP: precision 0.5.
        var gt = new CocoGroundTruth(new long[] { 1 }, new long[] { 1 }, new[] { Gt(0, 1, 1, 0, 0, 30, 30), Gt(1, 1, 1, 100, 0, 30, 30) });
        var result = CocoEvaluator.Evaluate(gt, new[] { Det(1, 1, 0, 0, 33, 33, 0.9), Det(1, 1, 100, 0, 30, 30, 0.8) });
        const int all = 0, small = 1;
        Assert.Equal(OneOverOnePlusEps, result.Precision(0, 0, 0, small, 2));
        Assert.Equal(0.5, result.Recall(0, 0, small, 2));
        Assert.Equal(0.5, result.Precision(0, 0, 0, all, 2));
        Assert.Equal(0.5, result.Recall(0, 0, all, 2));
    }

    [Fact]
    public void AnnotationIdZeroIsWarnedOnceAndACrowdOneStaysIgnored()
    {
        var gt = new CocoGroundTruth(new long[] { 4 }, new long[] { 1 }, new[] { Gt(0, 4, 1, 0, 0, 50, 50, crowd: true), Gt(1, 4, 1, 100, 0, 50, 50) }, "val.json");
        Assert.Equal(new[]
        {
            "val.json: annotation id 0 (image 4): pycocotools counts a detection matched to it as a false positive; " +
            "this evaluator does the same, as papers report; renumber ids from 1 to score it",
        }, gt.Warnings);
        // A detection on the crowd region (id 0) is ignored as on any crowd region, not an FP: AP50 = 1/(1+eps) per threshold.
        var result = CocoEvaluator.Evaluate(gt, new[] { Det(4, 1, 0, 0, 50, 50, 0.9), Det(4, 1, 100, 0, 50, 50, 0.8) });
        Assert.Equal(OneOverOnePlusEps, result.Precision(0, 0, 0, 0, 2));
        Assert.Equal(1.0, result.Stats[8]);
        Assert.Empty(ThreeSizes(1).Warnings);
    }

    [Fact]
    public void InMemoryInputsAreValidatedLikeFiles()
    {
        var gt = new CocoGroundTruth(new long[] { 1 }, new long[] { 1 }, new[] { Gt(1, 1, 1, 0, 0, 50, 50), Gt(2, 9, 1, 0, 0, 50, 50) });
        var result = CocoEvaluator.Evaluate(gt, new[] { Det(1, 1, 0, 0, 50, 50, 0.9) });
        Assert.Equal(1, result.AnnotationsLeftOut);             // image 9 is not listed: left out, as pycocotools does
        Assert.Equal(1.0, result.Stats[8]);
        var nan = Assert.Throws<InvalidDataException>(() => CocoEvaluator.Evaluate(gt, new[] { Det(1, 1, 0, 0, 50, 50, double.NaN) }));
        Assert.Contains("detections[0] (image_id 1)", nan.Message);
        var negative = Assert.Throws<InvalidDataException>(() => CocoEvaluator.Evaluate(gt, new[] { Det(1, 1, 0, 0, -5, 50, 0.5) }));
        Assert.Contains("w, h >= 0", negative.Message);
        var duplicate = Assert.Throws<InvalidDataException>(() =>
            new CocoGroundTruth(new long[] { 1 }, new long[] { 1 }, new[] { Gt(3, 1, 1, 0, 0, 5, 5), Gt(3, 1, 1, 9, 9, 5, 5) }, "val.json"));
        Assert.Equal("val.json: duplicate annotation id 3: annotations[1] (image id 1) repeats annotations[0] (image id 1); " +
                     "ids must be unique (pycocotools would keep only the last one)", duplicate.Message);
    }

    [Fact]
    public void ThresholdsAreNumpyLinspaceBitForBit()
    {
        double[] iou = { 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.8999999999999999, 0.95 };
        Assert.Equal(iou, CocoEvalParameters.IouThresholds);
        var rec = CocoEvalParameters.RecallThresholds;
        Assert.Equal(101, rec.Count);
        Assert.Equal(0.35000000000000003, rec[35]);          // one ulp above 0.35, as numpy
        Assert.Equal(0.7000000000000001, rec[70]);
        Assert.Equal(0.01, rec[1]);
        Assert.Equal(1.0, rec[100]);
    }

    [Fact]
    public void NumpyMeanReproducesPairwiseSummation()
    {
        // np.mean of x_i = ((7919·i) mod 1000)/999, values taken from numpy 1.24; a plain sum gives the second column.
        foreach (var (n, numpy, naive) in new[] { (100, 0.4909909909909909, 0.49099099099099097), (1000, 0.5, 0.5000000000000001), (20000, 0.5, 0.5000000000000001) })
        {
            var x = Enumerable.Range(0, n).Select(i => (7919L * i % 1000) / 999.0).ToArray();
            Assert.Equal(numpy, NumpyMean.Mean(x));
            Assert.Equal(naive, x.Sum() / n);
        }
    }
}
