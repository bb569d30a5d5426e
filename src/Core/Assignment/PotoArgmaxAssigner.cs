namespace Research.Core.Assignment;

/// <summary>
/// POTO with argmax instead of Hungarian matching (the paper's "POTO argmax" row; official
/// poto...3x_ms.argmax fcos.py l.249-278): the same quality q = p^(1−α)·IoU^α and prior (−1 outside it), then
/// every GT takes its highest-quality shift (the first on ties, as torch.argmax), and a shift wanted by several
/// GTs goes to the one with the highest quality (the first GT on ties, as torch.max over GTs). Unlike Hungarian
/// matching, a GT without any candidate gets no positive (its argmax lands on a −1 entry), and a GT that loses
/// its shift to another gets none either. An image without GT is all background (the reference fails there).
/// </summary>
public sealed class PotoArgmaxAssigner : PotoAssigner
{
    /// <summary>Creates the rule; arguments as <see cref="PotoAssigner"/>.</summary>
    public PotoArgmaxAssigner(IReadOnlyList<int> strides, int numClasses, double alpha = 0.8, double centerSamplingRadius = 1.5)
        : base(strides, numClasses, alpha, centerSamplingRadius)
    {
    }

    /// <inheritdoc />
    public override string Name => "poto_argmax";

    /// <inheritdoc />
    protected override AssignmentResult Match(SparseAssignmentProblem quality)
    {
        // Candidate columns of a row are in increasing shift order, and every candidate has q ≥ 0 > −1, so the
        // dense row's first maximum is the first best candidate; a row without candidates claims nothing.
        var winner = new Dictionary<int, (int Gt, double Q)>();
        for (int i = 0; i < quality.Rows; i++)
        {
            int best = -1;
            double bestQ = double.NegativeInfinity;
            for (int t = quality.RowStart[i]; t < quality.RowStart[i + 1]; t++)
                if (quality.Values[t] > bestQ) { bestQ = quality.Values[t]; best = quality.Columns[t]; }
            if (best < 0 || !(bestQ > quality.DefaultValue)) continue;
            // rows are visited in GT order, so strict > keeps the first GT on equal quality
            if (!winner.TryGetValue(best, out var held) || bestQ > held.Q) winner[best] = (i, bestQ);
        }
        var pairs = winner.Select(kv => (Gt: kv.Value.Gt, Shift: kv.Key)).OrderBy(p => p.Gt).ToArray();
        return new AssignmentResult(pairs.Select(p => p.Gt).ToArray(), pairs.Select(p => p.Shift).ToArray());
    }
}
