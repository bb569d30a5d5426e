namespace Research.Core.Inference;

/// <summary>
/// Test-time post-processing settings (config <c>model.test</c>); defaults are the reference's
/// (SCORE_THRESH_TEST 0.05, TOPK_CANDIDATES_TEST 1000, NMS_THRESH_TEST 1.0 = no NMS, DETECTIONS_PER_IMAGE 100).
/// </summary>
/// <param name="ScoreThresh">Candidates need score &gt; this (strict).</param>
/// <param name="TopkCandidates">Per level, at most min(this, H_l·W_l) best (location, class) pairs are considered.</param>
/// <param name="NmsThresh">Class-wise NMS IoU threshold; ≥ 1 disables NMS (the reference's convention).</param>
/// <param name="DetectionsPerImage">Detections kept per image, best first.</param>
public sealed record InferenceSettings(double ScoreThresh = 0.05, int TopkCandidates = 1000, double NmsThresh = 1.0, int DetectionsPerImage = 100)
{
    /// <summary>The reference settings.</summary>
    public static InferenceSettings Reference { get; } = new();

    /// <summary>Whether class-wise NMS runs (NmsThresh &lt; 1).</summary>
    public bool UsesNms => NmsThresh < 1.0;

    /// <summary>Throws with a message naming the setting when a value is out of range.</summary>
    public void Validate()
    {
        if (!(ScoreThresh >= 0 && ScoreThresh < 1)) throw new ArgumentException($"model.test.score_thresh must be in [0, 1), got {ScoreThresh}");
        if (TopkCandidates < 1) throw new ArgumentException($"model.test.topk_candidates must be ≥ 1, got {TopkCandidates}");
        if (!(NmsThresh >= 0)) throw new ArgumentException($"model.test.nms_thresh must be ≥ 0 (≥ 1 disables NMS), got {NmsThresh}");
        if (DetectionsPerImage < 1) throw new ArgumentException($"model.test.detections_per_image must be ≥ 1, got {DetectionsPerImage}");
    }
}
