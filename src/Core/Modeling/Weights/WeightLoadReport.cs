namespace Research.Core.Modeling.Weights;

/// <summary>A key whose tensor shape in the file differs from the model's.</summary>
/// <param name="Key">The model's key (after prefix mapping).</param>
/// <param name="FileShape">Shape stored in the file.</param>
/// <param name="ModelShape">Shape the model expects.</param>
public sealed record ShapeMismatch(string Key, IReadOnlyList<long> FileShape, IReadOnlyList<long> ModelShape)
{
    /// <summary>"key: file [a, b] vs model [c, d]".</summary>
    public override string ToString() => $"{Key}: file [{string.Join(", ", FileShape)}] vs model [{string.Join(", ", ModelShape)}]";
}

/// <summary>
/// What a weight load did: keys copied, and the differences between file and model. Keys are the
/// model's names (after prefix mapping).
/// </summary>
public sealed record WeightLoadReport
{
    /// <summary>The file (or source name) the weights came from.</summary>
    public required string Source { get; init; }

    /// <summary>Keys copied into the model.</summary>
    public required IReadOnlyList<string> Loaded { get; init; }

    /// <summary>Model keys the file does not provide (left at their current values).</summary>
    public required IReadOnlyList<string> Missing { get; init; }

    /// <summary>File keys the model does not have (not used).</summary>
    public required IReadOnlyList<string> Unexpected { get; init; }

    /// <summary>Keys present in both with different shapes (not copied).</summary>
    public required IReadOnlyList<ShapeMismatch> Mismatched { get; init; }

    /// <summary>
    /// File keys skipped on purpose, not an error: outside the selected source prefix, an ImageNet classifier
    /// (<c>fc.*</c>, <c>fc1000_*</c>), Caffe2 solver state (<c>*_momentum</c>), or batch-norm <c>num_batches_tracked</c>
    /// counters the model has no place for (FrozenBN).
    /// </summary>
    public required IReadOnlyList<string> Ignored { get; init; }

    /// <summary>
    /// Model keys the file's format does not carry, left at the model's values on purpose (not missing):
    /// <c>num_batches_tracked</c> counters, and the running statistics of Caffe2 AffineChannel files (cvpods leaves
    /// FrozenBN's identity statistics in place for them).
    /// </summary>
    public IReadOnlyList<string> Kept { get; init; } = Array.Empty<string>();

    /// <summary>True when every model key was loaded and nothing was unexpected or mis-shaped.</summary>
    public bool IsExact => Missing.Count == 0 && Unexpected.Count == 0 && Mismatched.Count == 0;

    /// <summary>One line per kind of difference, each naming the keys (empty when <see cref="IsExact"/>).</summary>
    public IReadOnlyList<string> Warnings
    {
        get
        {
            var lines = new List<string>();
            if (Missing.Count > 0) lines.Add($"{Count(Missing.Count, "missing key")} (in the model, not in the file): {List(Missing)}");
            if (Unexpected.Count > 0) lines.Add($"{Count(Unexpected.Count, "unexpected key")} (in the file, not in the model): {List(Unexpected)}");
            if (Mismatched.Count > 0) lines.Add($"{Count(Mismatched.Count, "mis-shaped key")}: {List(Mismatched.Select(m => m.ToString()).ToList())}");
            return lines;
        }
    }

    /// <summary>
    /// One line of what loaded: "N tensors loaded", then the ignored file keys and the kept model keys, in short.
    /// </summary>
    public string Summary
    {
        get
        {
            var parts = new List<string> { Count(Loaded.Count, "tensor") + " loaded" };
            if (Ignored.Count > 0) parts.Add($"{Count(Ignored.Count, "file key")} ignored ({List(Ignored, 6)})");
            if (Kept.Count > 0) parts.Add($"{Count(Kept.Count, "model key")} not in the file kept as built ({List(Kept, 6)})");
            return string.Join("; ", parts);
        }
    }

    private const int MaxListed = 40;

    private static string Count(int n, string what) => n == 1 ? $"1 {what}" : $"{n} {what}s";

    private static string List(IReadOnlyList<string> keys, int max = MaxListed) =>
        keys.Count <= max
            ? string.Join(", ", keys)
            : string.Join(", ", keys.Take(max)) + $", … ({keys.Count - max} more)";
}
