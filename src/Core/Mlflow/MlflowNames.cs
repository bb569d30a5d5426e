using System.Text.RegularExpressions;

namespace Research.Core.Mlflow;

/// <summary>
/// MLflow's validation rules for keys, values, ids and batch sizes (observed on a 2.10.2 server,
/// notes/mlflow-formats.md §3), checked before anything is written or sent so that a bad key fails at once
/// with MLflow's own wording and the key named, instead of failing a whole batch (or the whole store) later.
/// </summary>
public static partial class MlflowNames
{
    /// <summary>Longest param value accepted (6000 characters).</summary>
    public const int MaxParamValueLength = 6000;
    /// <summary>Longest param key accepted (250 characters).</summary>
    public const int MaxParamKeyLength = 250;
    /// <summary>Longest tag value a SQLite-backed server accepts (5000 characters); enforced everywhere so runs stay portable.</summary>
    public const int MaxTagValueLength = 5000;
    /// <summary>At most this many metrics per <c>runs/log-batch</c>.</summary>
    public const int MaxMetricsPerBatch = 1000;
    /// <summary>At most this many params per <c>runs/log-batch</c>.</summary>
    public const int MaxParamsPerBatch = 100;
    /// <summary>At most this many tags per <c>runs/log-batch</c>.</summary>
    public const int MaxTagsPerBatch = 100;
    /// <summary>At most this many metrics + params + tags per <c>runs/log-batch</c>.</summary>
    public const int MaxEntitiesPerBatch = 1000;

    [GeneratedRegex(@"^[/\w.\- ]*$")]
    private static partial Regex KeyCharacters();

    [GeneratedRegex(@"^[a-zA-Z0-9][\w\-]{0,255}$")]
    private static partial Regex RunIdPattern();

    [GeneratedRegex(@"^[a-zA-Z0-9][\w\-]{0,63}$")]
    private static partial Regex ExperimentIdPattern();

    /// <summary>Throws unless <paramref name="key"/> is a valid metric name.</summary>
    public static void ValidateMetricKey(string key) => ValidateKey(key, "metric");

    /// <summary>Throws unless <paramref name="key"/> is a valid tag name.</summary>
    public static void ValidateTagKey(string key) => ValidateKey(key, "tag");

    /// <summary>Throws unless the param key and value are valid (name rules, key ≤ 250, value ≤ 6000 characters).</summary>
    public static void ValidateParam(string key, string value)
    {
        ValidateKey(key, "param");
        if (key.Length > MaxParamKeyLength)
            throw new TrackingException($"Param key '{key}' had length {key.Length}, which exceeded length limit of {MaxParamKeyLength}");
        if (value.Length > MaxParamValueLength)
            throw new TrackingException($"Param value '{Shorten(value)}' had length {value.Length}, which exceeded length limit of {MaxParamValueLength} (param key '{key}')");
    }

    /// <summary>Throws unless the tag key is valid and the value at most 5000 characters.</summary>
    public static void ValidateTag(string key, string value)
    {
        ValidateTagKey(key);
        if (value.Length > MaxTagValueLength)
            throw new TrackingException($"Tag value '{Shorten(value)}' had length {value.Length}, which exceeded length limit of {MaxTagValueLength} (tag key '{key}')");
    }

    /// <summary>Throws unless <paramref name="runId"/> matches MLflow's run id rule.</summary>
    public static void ValidateRunId(string runId)
    {
        if (!RunIdPattern().IsMatch(runId)) throw new TrackingException($"Invalid run ID: '{runId}'");
    }

    /// <summary>Throws unless <paramref name="experimentId"/> matches MLflow's experiment id rule.</summary>
    public static void ValidateExperimentId(string experimentId)
    {
        if (!ExperimentIdPattern().IsMatch(experimentId)) throw new TrackingException($"Invalid experiment ID: '{experimentId}'");
    }

    /// <summary>
    /// Validates a relative artifact path (<c>/</c> separators): not empty, not absolute, no empty, <c>.</c> or
    /// <c>..</c> segment, no backslash or control character. Returns it unchanged.
    /// </summary>
    public static string ValidateArtifactPath(string path)
    {
        if (string.IsNullOrEmpty(path)) throw new TrackingException("Artifact path is empty.");
        if (path.StartsWith('/') || path.Contains('\\') || path.Any(char.IsControl) || (path.Length > 1 && path[1] == ':'))
            throw new TrackingException($"Invalid artifact path '{path}': it must be relative, use '/' separators and hold no control characters.");
        foreach (var segment in path.Split('/'))
        {
            if (segment is "" or "." or "..")
                throw new TrackingException($"Invalid artifact path '{path}': segments may not be empty, '.' or '..' (no traversal outside the run's artifact root).");
        }
        return path;
    }

    private static void ValidateKey(string key, string kind)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length == 0)
            throw new TrackingException($"Missing value for required parameter 'key' (an empty {kind} name).");
        if (!KeyCharacters().IsMatch(key))
            throw new TrackingException($"Invalid {kind} name: '{key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/).");
        var normalized = PosixNormalize(key);
        if (normalized != key || normalized == "." || normalized.StartsWith("..", StringComparison.Ordinal) || normalized.StartsWith('/'))
            throw new TrackingException($"Invalid {kind} name: '{key}'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '{normalized}'");
    }

    /// <summary>Python's <c>posixpath.normpath</c>, which MLflow applies to key names.</summary>
    internal static string PosixNormalize(string path)
    {
        if (path.Length == 0) return ".";
        var initialSlashes = path.StartsWith('/') ? (path.StartsWith("//", StringComparison.Ordinal) && !path.StartsWith("///", StringComparison.Ordinal) ? 2 : 1) : 0;
        var parts = new List<string>();
        foreach (var comp in path.Split('/'))
        {
            if (comp is "" or ".") continue;
            if (comp != ".." || (initialSlashes == 0 && parts.Count == 0) || (parts.Count > 0 && parts[^1] == ".."))
                parts.Add(comp);
            else if (parts.Count > 0)
                parts.RemoveAt(parts.Count - 1);
        }
        var joined = new string('/', initialSlashes) + string.Join('/', parts);
        return joined.Length == 0 ? "." : joined;
    }

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
