using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Assignment;

/// <summary>
/// What an assignment rule decides for a batch (detectron2 <c>label_anchors</c>, DeFCN <c>get_ground_truth</c>):
/// per-shift class targets (N, R) int64 — 0..K−1 foreground, K background, −1 ignored — and, for rules that
/// train the box branch, regression targets (N, R, 4) float32 (l, t, r, b) pixels (zeros where not foreground).
/// One-to-one rules also report their matches and the quality matrix they matched on (for pictures).
/// </summary>
public sealed class ShiftTargets : IDisposable
{
    /// <summary>Wraps the targets (this object owns the tensors).</summary>
    public ShiftTargets(Tensor classes, Tensor? regTargets, int numForeground, int numGt,
        IReadOnlyList<AssignmentResult>? matches = null, IReadOnlyList<float[]>? matchedIou = null,
        IReadOnlyList<SparseAssignmentProblem>? qualities = null)
    {
        if (classes.dim() != 2) throw new ArgumentException($"class targets must be (N, R), got ({string.Join(", ", classes.shape)})");
        if (regTargets is not null && (regTargets.dim() != 3 || regTargets.shape[0] != classes.shape[0] || regTargets.shape[1] != classes.shape[1] || regTargets.shape[2] != 4))
            throw new ArgumentException($"regression targets must be (N, R, 4) = ({classes.shape[0]}, {classes.shape[1]}, 4), got ({string.Join(", ", regTargets.shape)})");
        Classes = classes;
        RegTargets = regTargets;
        NumForeground = numForeground;
        NumGt = numGt;
        Matches = matches;
        MatchedIou = matchedIou;
        Qualities = qualities;
    }

    /// <summary>(N, R) int64: GT class at foreground shifts, K at background, −1 at ignored ones.</summary>
    public Tensor Classes { get; }

    /// <summary>(N, R, 4) float32 (l, t, r, b) from each foreground shift to its GT box, zeros elsewhere; null when the rule trains no boxes.</summary>
    public Tensor? RegTargets { get; }

    /// <summary>Number of foreground shifts in the batch.</summary>
    public int NumForeground { get; }

    /// <summary>Total number of GT boxes in the batch.</summary>
    public int NumGt { get; }

    /// <summary>One-to-one rules: per image the pairs (GT index, shift index r), sorted by GT; null otherwise.</summary>
    public IReadOnlyList<AssignmentResult>? Matches { get; }

    /// <summary>One-to-one rules: per image and match, the float32 IoU of the GT with the box predicted at its shift.</summary>
    public IReadOnlyList<float[]>? MatchedIou { get; }

    /// <summary>
    /// Rules that match on a quality matrix: per image, M × R as stored (candidates with their quality, every
    /// other entry the matrix's default, −1 for POTO); <c>ToDense()</c> gives it row-major. For pictures and analysis.
    /// </summary>
    public IReadOnlyList<SparseAssignmentProblem>? Qualities { get; }

    /// <summary>Foreground shifts per GT (0 without GT): the diagnostic <c>num_fg_per_gt</c>.</summary>
    public double ForegroundPerGt => NumGt > 0 ? (double)NumForeground / NumGt : 0.0;

    /// <inheritdoc />
    public void Dispose()
    {
        Classes.Dispose();
        RegTargets?.Dispose();
    }
}
