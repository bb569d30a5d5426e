using System.Text.RegularExpressions;

namespace Research.Core.Mlflow;

/// <summary>
/// Which tracking URIs this library can use: a local folder (<c>mlruns</c>, <c>./mlruns</c>, <c>/abs/mlruns</c>,
/// <c>C:\mlruns</c>), a <c>file:</c> URI, or an <c>http(s)://</c> tracking server. Everything else MLflow knows
/// (<c>databricks</c>, <c>sqlite:///…</c>, <c>s3://…</c>, <c>mlflow-artifacts:/…</c>, ...) is refused up front,
/// instead of becoming a local folder named <c>ftp:</c>. Used by the config check (<c>tracking.uri</c>) and by
/// <see cref="MlflowTracker"/> (<c>MLFLOW_TRACKING_URI</c>).
/// </summary>
public static partial class TrackingUri
{
    /// <summary>What is accepted, for the hint line of a refusal.</summary>
    public const string Accepted =
        "accepted: a local folder (./mlruns, /abs/mlruns), a file: URI (file:///abs/mlruns) or an http(s):// tracking server (http://host:5000)";

    /// <summary>A URI scheme of two characters or more (one letter followed by a colon is a Windows drive).</summary>
    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9+.\-]+:")]
    private static partial Regex SchemePrefix();

    /// <summary>
    /// Why <paramref name="uri"/> cannot be used as a tracking store (one phrase, e.g. "the ftp: scheme is not
    /// supported"), or null when it can.
    /// </summary>
    public static string? Problem(string? uri)
    {
        if (string.IsNullOrWhiteSpace(uri)) return "it is empty";
        if (MlflowTracker.IsServerUri(uri))
            return System.Uri.TryCreate(uri, UriKind.Absolute, out var parsed) && parsed.Host.Length > 0
                ? null : "it is not a valid http(s) URL (no host name)";
        if (uri.StartsWith("file:", StringComparison.OrdinalIgnoreCase)) return null;
        // MLflow reads these bare words as a Databricks workspace, not as a folder.
        if (uri.Equals("databricks", StringComparison.OrdinalIgnoreCase) || uri.Equals("databricks-uc", StringComparison.OrdinalIgnoreCase))
            return $"MLflow reads '{uri}' as a Databricks workspace, which is not supported (write ./{uri} for a local folder of that name)";
        var scheme = SchemePrefix().Match(uri);
        if (!scheme.Success) return null;
        var name = scheme.Value.ToLowerInvariant();
        return name is "http:" or "https:"
            ? $"an {name} URI needs '//' after the colon ({name}//host:5000)"
            : $"the {name} scheme is not supported";
    }

    /// <summary>Throws an <see cref="ArgumentException"/> (two lines: the problem, then <see cref="Accepted"/>) naming <paramref name="origin"/> when the URI is refused.</summary>
    /// <param name="uri">The URI to check.</param>
    /// <param name="origin">Where it came from, for the message (<c>MLFLOW_TRACKING_URI</c>, <c>tracking URI</c>).</param>
    public static void Check(string? uri, string origin)
    {
        if (Problem(uri) is { } problem)
            throw new ArgumentException($"{origin} = '{MlflowRestClient.Redact(uri ?? "")}': {problem}{Environment.NewLine}  {Accepted}");
    }
}
