namespace Research.Core.Modeling.Weights;

/// <summary>
/// A weight load found missing, unexpected or mis-shaped keys under a strict load, or no key of the file matching the
/// model at all (always an error). The message names the file, the model and every such key, one kind per line;
/// <see cref="Report"/> holds the full lists. Nothing was copied into the model.
/// </summary>
public sealed class WeightLoadException : Exception
{
    /// <summary>What to do about it when the caller gives no hint of its own.</summary>
    public const string DefaultHint = "Fix the file or the model's settings, or load with strict: false to accept the differences.";

    /// <summary>Creates the exception from the load's report.</summary>
    /// <param name="report">The differences found.</param>
    /// <param name="modelName">The module the weights were meant for, e.g. "ResNet".</param>
    /// <param name="hint">The advice line (default <see cref="DefaultHint"/>; never shown when nothing matched).</param>
    public WeightLoadException(WeightLoadReport report, string modelName, string? hint = null)
        : base(Describe(report, modelName, hint))
    {
        Report = report;
        ModelName = modelName;
    }

    /// <summary>The differences found.</summary>
    public WeightLoadReport Report { get; }

    /// <summary>The module the weights were meant for.</summary>
    public string ModelName { get; }

    /// <summary>True when no key of the file matched the model (an error whatever the strictness).</summary>
    public bool NothingMatched => Report.Loaded.Count == 0;

    private static string Describe(WeightLoadReport report, string modelName, string? hint)
    {
        var head = report.Loaded.Count == 0
            ? $"Cannot load weights from '{report.Source}' into {modelName}: no key of the file matches the model, so nothing would load " +
              "(a file for another network, or keys under a prefix the loader does not know)."
            : $"Cannot load weights from '{report.Source}' into {modelName}: {report.Loaded.Count} keys match, but the file and the model differ; nothing was copied. " +
              (hint ?? DefaultHint);
        return head + string.Concat(report.Warnings.Select(w => Environment.NewLine + "  " + w));
    }
}
