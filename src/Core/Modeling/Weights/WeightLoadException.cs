namespace Research.Core.Modeling.Weights;

/// <summary>
/// A strict weight load found missing, unexpected or mis-shaped keys. The message names the file and the
/// keys; <see cref="Report"/> holds the full lists. Nothing was copied into the model.
/// </summary>
public sealed class WeightLoadException : Exception
{
    /// <summary>Creates the exception from the load's report.</summary>
    public WeightLoadException(WeightLoadReport report, string modelName)
        : base($"Cannot load weights from '{report.Source}' into {modelName}: " + string.Join("; ", report.Warnings) +
               ". Fix the file or the key prefixes, or load with strict: false to accept the differences.")
    {
        Report = report;
    }

    /// <summary>The differences found.</summary>
    public WeightLoadReport Report { get; }
}
