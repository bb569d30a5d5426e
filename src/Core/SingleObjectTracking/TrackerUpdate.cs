using Research.Core.Data;
using Research.Core.Data.Crops;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.SingleObjectTracking;

/// <summary>
/// The detector as the tracker sees it: a crop (3, S, S) float32 (already normalised as the detector
/// expects) → candidate boxes (D, 4) XYXY in crop pixels and their scores (D). The tracker takes the best
/// one itself (no NMS: DeFCN's one-to-one assignment gives one peak per object).
/// </summary>
public delegate (Tensor Boxes, Tensor Scores) DetectInCrop(Tensor crop);

/// <summary>Tracker settings.</summary>
/// <param name="Context">Crop side = Context · sqrt((w + p)(h + p)) around the previous box (see <see cref="CropRegion"/>).</param>
/// <param name="CropSize">Crop output size S in pixels.</param>
/// <param name="SizeUpdateRate">Weight of the detected size in the new size, in [0, 1]: 1 takes the detection's
/// size, 0 keeps the previous size (the position always follows the detection), as the learning-rate-weighted
/// size update of Siamese trackers.</param>
/// <param name="MinScore">Detections scoring below this are ignored; with none left, the previous box is kept.</param>
/// <param name="MinSize">Smallest box side in frame pixels after the update.</param>
public sealed record TrackerOptions(double Context = 2.0, int CropSize = 256, double SizeUpdateRate = 0.5, double MinScore = 0.0, double MinSize = 4.0)
{
    /// <summary>Refuses values the update cannot use, naming the setting.</summary>
    public void Validate()
    {
        if (!(Context > 0)) throw new ArgumentOutOfRangeException(nameof(Context), Context, "tracker context must be > 0");
        if (CropSize <= 0) throw new ArgumentOutOfRangeException(nameof(CropSize), CropSize, "tracker crop_size must be > 0");
        if (!(SizeUpdateRate >= 0 && SizeUpdateRate <= 1)) throw new ArgumentOutOfRangeException(nameof(SizeUpdateRate), SizeUpdateRate, "tracker size_update_rate must be in [0, 1]");
        if (!(MinSize > 0)) throw new ArgumentOutOfRangeException(nameof(MinSize), MinSize, "tracker min_size must be > 0");
    }
}

/// <summary>What one tracker step did, for logging and drawing.</summary>
/// <param name="Box">The new state box (XYXY, frame pixels, inside the frame).</param>
/// <param name="Score">Score of the chosen detection (0 when none was usable).</param>
/// <param name="Detection">The chosen detection mapped to the frame before smoothing and clamping, or null.</param>
/// <param name="Map">The crop the detector saw.</param>
public sealed record TrackerStepResult(BoxXyxy Box, double Score, BoxXyxy? Detection, CropMap Map);

/// <summary>
/// The per-frame update of the single-object tracker as pure functions: crop around the previous box, run the
/// detector, take the highest-scoring box, map it back to the frame, smooth the size change, keep the box in
/// the frame. The frame loop, checkpoint loading and logging live with the caller.
/// </summary>
public static class TrackerUpdate
{
    /// <summary>
    /// One step. frame: (3, H, W) float in the detector's input space (normalise before calling); previous:
    /// the last state box. The detector gets the crop (3, S, S) in the frame's value space (outside areas
    /// padded with the frame's mean); the crop and the detector's outputs are disposed here.
    /// </summary>
    public static TrackerStepResult Step(Tensor frame, BoxXyxy previous, DetectInCrop detect, TrackerOptions options)
    {
        options.Validate();
        using var scope = NewDisposeScope();
        var map = CropRegion.Around(previous, options.Context, options.CropSize);
        var crop = TargetCrop.Extract(frame, map);
        var (boxes, scores) = detect(crop);
        var best = PickBest(boxes, scores, options.MinScore);
        int height = (int)frame.shape[1], width = (int)frame.shape[2];
        if (best is not { } b) return new TrackerStepResult(KeepInside(previous, width, height, options.MinSize), 0, null, map);
        var detected = map.CropToFrame(b.Box);
        var box = Smooth(previous, detected, options.SizeUpdateRate);
        return new TrackerStepResult(KeepInside(box, width, height, options.MinSize), b.Score, detected, map);
    }

    /// <summary>
    /// The highest-scoring candidate with score ≥ minScore (first one on ties), or null when none is left.
    /// boxes (D, 4) XYXY, scores (D).
    /// </summary>
    public static (BoxXyxy Box, double Score)? PickBest(Tensor boxes, Tensor scores, double minScore)
    {
        if (boxes.dim() != 2 || boxes.shape[1] != 4) throw new ArgumentException($"detector boxes must be (D, 4), got ({string.Join(", ", boxes.shape)})");
        if (scores.dim() != 1 || scores.shape[0] != boxes.shape[0])
            throw new ArgumentException($"detector scores must be (D) with D = {boxes.shape[0]}, got ({string.Join(", ", scores.shape)})");
        if (boxes.shape[0] == 0) return null;
        using var scope = NewDisposeScope();
        var s = scores.to_type(ScalarType.Float64).cpu().data<double>().ToArray();
        var best = -1;
        for (var i = 0; i < s.Length; i++)
            if (s[i] >= minScore && (best < 0 || s[i] > s[best])) best = i;
        if (best < 0) return null;
        var v = boxes[best].to_type(ScalarType.Float64).cpu().data<double>().ToArray();
        return (new BoxXyxy(v[0], v[1], v[2], v[3]), s[best]);
    }

    /// <summary>
    /// Centre from the detection; width and height moved from the previous towards the detected by rate:
    /// size = (1 − rate) · previous + rate · detected.
    /// </summary>
    public static BoxXyxy Smooth(BoxXyxy previous, BoxXyxy detected, double rate)
    {
        var w = (1 - rate) * previous.Width + rate * detected.Width;
        var h = (1 - rate) * previous.Height + rate * detected.Height;
        return BoxXyxy.FromCenter(detected.CenterX, detected.CenterY, w, h);
    }

    /// <summary>
    /// The box with its size limited to [minSize, frame size] and then shifted (not shrunk) to lie inside
    /// [0, width] × [0, height], so the state never drifts out of the frame or collapses.
    /// </summary>
    public static BoxXyxy KeepInside(BoxXyxy box, int width, int height, double minSize)
    {
        var w = Math.Clamp(box.Width, Math.Min(minSize, width), width);
        var h = Math.Clamp(box.Height, Math.Min(minSize, height), height);
        var cx = Math.Clamp(box.CenterX, w / 2, width - w / 2);
        var cy = Math.Clamp(box.CenterY, h / 2, height - h / 2);
        return BoxXyxy.FromCenter(cx, cy, w, h);
    }

    /// <summary>
    /// Runs the update over frames: frame 0 gives the initial box (returned as its prediction, as in OTB's
    /// one-pass evaluation), each next frame one <see cref="Step"/>. loadFrame(i) returns (3, H, W) float in
    /// the detector's input space; frames are disposed after use.
    /// </summary>
    public static IReadOnlyList<TrackerStepResult> Run(int frameCount, Func<int, Tensor> loadFrame, BoxXyxy initial, DetectInCrop detect, TrackerOptions options)
    {
        var results = new List<TrackerStepResult>(frameCount);
        if (frameCount == 0) return results;
        var box = initial;
        results.Add(new TrackerStepResult(box, 1, box, CropRegion.Around(box, options.Context, options.CropSize)));
        for (var i = 1; i < frameCount; i++)
        {
            using var frame = loadFrame(i);
            var step = Step(frame, box, detect, options);
            results.Add(step);
            box = step.Box;
        }
        return results;
    }
}
