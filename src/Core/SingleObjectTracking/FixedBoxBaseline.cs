using Research.Core.Data;
using Research.Core.Data.Crops;

namespace Research.Core.SingleObjectTracking;

/// <summary>
/// The trivial tracker: the first frame's box held in place for the whole sequence. Any real tracker must
/// beat it on the same sequences; it scores well only where the target hardly moves.
/// </summary>
public static class FixedBoxBaseline
{
    /// <summary>One prediction per frame, all equal to the first ground-truth box.</summary>
    public static IReadOnlyList<BoxXyxy> Track(IReadOnlyList<BoxXyxy> groundTruth) =>
        groundTruth.Count == 0 ? Array.Empty<BoxXyxy>() : Enumerable.Repeat(groundTruth[0], groundTruth.Count).ToArray();
}
