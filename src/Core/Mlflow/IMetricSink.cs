namespace Research.Core.Mlflow;

/// <summary>
/// Where a run's numbers and files go. The trainer and evaluator write only through this interface;
/// the MLflow tracking layer (file store or REST) implements it, and tests can record calls. Calls must not
/// throw because tracking failed: implementations buffer, fall back and warn instead.
/// </summary>
public interface IMetricSink
{
    /// <summary>Logs metric values (key → value) at a training step (iteration).</summary>
    void LogMetrics(long step, IReadOnlyDictionary<string, double> metrics);

    /// <summary>Logs run parameters (key → value); a key is never re-logged with another value.</summary>
    void LogParams(IReadOnlyDictionary<string, string> parameters);

    /// <summary>Sets a tag on the run (may be overwritten).</summary>
    void SetTag(string key, string value);

    /// <summary>Copies a local file or folder into the run's artifacts, under <paramref name="artifactPath"/> if given.</summary>
    void LogArtifact(string localPath, string? artifactPath = null);
}
