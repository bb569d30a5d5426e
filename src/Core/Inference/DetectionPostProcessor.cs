using Research.Core.Dense;
using TorchSharp;
using Research.Core.Runtime;
using static TorchSharp.torch;

namespace Research.Core.Inference;

/// <summary>
/// NMS-free inference of DeFCN (official fcos.py inference / inference_single_image, l.431-540, plus cvpods
/// detector_postprocess). Per image and level: score = sigmoid(cls)·sigmoid(filter) (sigmoid(cls) without
/// the filter branch) over (location, class) pairs; the best min(topk, H_l·W_l) pairs; score &gt; threshold;
/// boxes decoded at their shifts. Levels concatenated, optional class-wise NMS, sorted by score, the best
/// detections_per_image kept, mapped to the original image. Head outputs are never modified.
/// With centerness outputs (FCOS, ATSS: cvpods meta_arch/fcos.py l.374-445) the top-k and the threshold apply to
/// sigmoid(cls) alone and the detection score is then sqrt(sigmoid(cls)·sigmoid(centerness)); the anchor rule decodes
/// its deltas against its anchors (<see cref="IBoxDecoder"/>).
/// </summary>
public sealed class DetectionPostProcessor : IPostProcessor
{
    /// <summary>Creates the post-processor.</summary>
    /// <param name="settings">Thresholds and counts; null = reference.</param>
    /// <param name="boxTransform">Box decoding; null = (l, t, r, b) distances with weights (1, 1, 1, 1) as the reference.</param>
    public DetectionPostProcessor(InferenceSettings? settings = null, IBoxDecoder? boxTransform = null)
    {
        Settings = settings ?? InferenceSettings.Reference;
        Settings.Validate();
        BoxTransform = boxTransform ?? new Shift2BoxTransform();
    }

    /// <summary>Settings in use.</summary>
    public InferenceSettings Settings { get; }

    /// <summary>Box decoding in use.</summary>
    public IBoxDecoder BoxTransform { get; }

    /// <summary>
    /// Head outputs of N images (levels (N, K, H_l, W_l) / (N, 4, ...) / (N, 1, ...)) and per-level shifts
    /// (H_l·W_l, 2) → per image detections in the original image frame (boxes (D, 4) XYXY, scores (D),
    /// classes (D) int64). <paramref name="imageSizes"/>: resized size before padding; <paramref name="originalSizes"/>:
    /// size to map back to.
    /// </summary>
    public IReadOnlyList<Detections> Process(HeadOutputs outputs, IReadOnlyList<Tensor> shifts,
        IReadOnlyList<(int Height, int Width)> imageSizes, IReadOnlyList<(int Height, int Width)> originalSizes)
    {
        var n = outputs.Logits[0].shape[0];
        if (imageSizes.Count != n || originalSizes.Count != n)
            throw new ArgumentException($"{n} images in the head outputs, {imageSizes.Count} image sizes and {originalSizes.Count} original sizes given");
        var results = new List<Detections>();
        for (var i = 0; i < n; i++)
        {
            using var scope = NewDisposeScope();
            var raw = ProcessImage(outputs, shifts, i, imageSizes[i]);
            results.Add(DetectorPostprocess.ToOriginalSize(raw, originalSizes[i]).DetachFromDisposeScope());
        }
        return results;
    }

    /// <summary>
    /// Detections of image <paramref name="image"/> in the resized input frame (no rescaling, no clipping, as
    /// the reference's inference_single_image): boxes (D, 4) XYXY, scores (D), classes (D) int64.
    /// </summary>
    public Detections ProcessImage(HeadOutputs outputs, IReadOnlyList<Tensor> shifts, int image, (int Height, int Width) imageSize)
    {
        if (shifts.Count != outputs.LevelCount)
            throw new ArgumentException($"{shifts.Count} shift levels given for {outputs.LevelCount} head levels");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var k = outputs.NumClasses;
        var boxesAll = new List<Tensor>();
        var scoresAll = new List<Tensor>();
        var classesAll = new List<Tensor>();
        for (var l = 0; l < outputs.LevelCount; l++)
        {
            var cls = HeadFlattening.PermuteToNHWAK(outputs.Logits[l].narrow(0, image, 1), k)[0];           // (H·W, K)
            var reg = HeadFlattening.PermuteToNHWAK(outputs.BoxRegression[l].narrow(0, image, 1), 4)[0];    // (H·W, 4)
            var prob = cls.sigmoid();
            if (outputs.Filter != null)
                prob = prob * HeadFlattening.PermuteToNHWAK(outputs.Filter[l].narrow(0, image, 1), 1)[0].sigmoid();   // (H·W, K)
            var flat = prob.flatten();                                                       // (H·W·K)
            // min(topk, H·W), not H·W·K, as the reference (fcos.py inference_single_image).
            var numTopk = Math.Min(Settings.TopkCandidates, reg.shape[0]);
            var (sorted, order) = flat.sort(descending: true, stable: true);
            var topScores = sorted[..(int)numTopk];
            var topIdx = order[..(int)numTopk];
            var keep = topScores > Settings.ScoreThresh;                                     // strict, as the reference
            topScores = topScores[keep];
            topIdx = topIdx[keep];
            var shiftIdx = topIdx.div(k, rounding_mode: RoundingMode.floor);
            var classIdx = topIdx.remainder(k);
            var levelShifts = shifts[l].to(reg.device);
            boxesAll.Add(BoxTransform.Decode(reg[shiftIdx], levelShifts[shiftIdx], l));    // (D_l, 4)
            if (outputs.Centerness != null)
            {
                var ctr = HeadFlattening.PermuteToNHWAK(outputs.Centerness[l].narrow(0, image, 1), 1)[0].flatten().sigmoid();   // (H·W)
                topScores = CorrectlyRounded.Sqrt(topScores * ctr[shiftIdx]);
            }
            scoresAll.Add(topScores);
            classesAll.Add(classIdx);
        }
        var boxes = cat(boxesAll, 0);       // (D, 4)
        var scores = cat(scoresAll, 0);     // (D)
        var classes = cat(classesAll, 0);   // (D)
        var kept = Settings.UsesNms
            ? ClassWiseNms.Keep(boxes, scores, classes, Settings.NmsThresh)
            : scores.sort(descending: true, stable: true).Indices;
        kept = kept[..(int)Math.Min(Settings.DetectionsPerImage, kept.shape[0])];
        return new Detections(boxes[kept].to(ScalarType.Float32), scores[kept], classes[kept], imageSize).MoveToOuterDisposeScope();
    }
}
