using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Assignment;

/// <summary>
/// Result of the POTO one-to-one assignment of a batch: per-shift class targets (N, R) int64 (0..K−1
/// for the matched shift of each GT, K background), regression targets (N, R, 4) float32 (l, t, r, b)
/// in pixels (zeros where background), and the matches themselves.
/// </summary>
public sealed class PotoTargets : IDisposable
{
    internal PotoTargets(Tensor classes, Tensor regTargets, AssignmentResult[] matches, float[][] matchedIou, int numGt,
        SparseAssignmentProblem[] qualities)
    {
        Qualities = qualities;
        Classes = classes;
        RegTargets = regTargets;
        Matches = matches;
        MatchedIou = matchedIou;
        NumGt = numGt;
    }

    /// <summary>(N, R) int64: GT class at matched shifts, K elsewhere.</summary>
    public Tensor Classes { get; }

    /// <summary>(N, R, 4) float32 (l, t, r, b) distances from each matched shift to its GT box; zeros elsewhere.</summary>
    public Tensor RegTargets { get; }

    /// <summary>Per image: pairs (GT index, shift index), sorted by GT (every GT matched when M ≤ R).</summary>
    public IReadOnlyList<AssignmentResult> Matches { get; }

    /// <summary>Per image, per match: float32 IoU of the GT with the box predicted at its matched shift.</summary>
    public IReadOnlyList<float[]> MatchedIou { get; }

    /// <summary>
    /// Per image: the quality matrix POTO matched on, M × R, as stored (candidates of the centre-sampling prior
    /// with q = p^(1−α)·IoU^α, every other entry −1); <c>ToDense()</c> gives it row-major. For pictures and analysis.
    /// </summary>
    public IReadOnlyList<SparseAssignmentProblem> Qualities { get; }

    /// <summary>Total number of GT boxes in the batch.</summary>
    public int NumGt { get; }

    /// <summary>Total number of matched (foreground) shifts in the batch.</summary>
    public int NumForeground => Matches.Sum(m => m.Count);

    /// <inheritdoc />
    public void Dispose()
    {
        Classes.Dispose();
        RegTargets.Dispose();
    }
}

/// <summary>Result of the auxiliary one-to-many assignment: class targets (N, R) int64 (K = background).</summary>
public sealed class AuxTargets : IDisposable
{
    internal AuxTargets(Tensor classes, int numForeground, int numGt)
    {
        Classes = classes;
        NumForeground = numForeground;
        NumGt = numGt;
    }

    /// <summary>(N, R) int64: class of the GT each shift is assigned to, K elsewhere.</summary>
    public Tensor Classes { get; }

    /// <summary>Number of foreground shifts in the batch.</summary>
    public int NumForeground { get; }

    /// <summary>Total number of GT boxes in the batch.</summary>
    public int NumGt { get; }

    /// <inheritdoc />
    public void Dispose() => Classes.Dispose();
}
