namespace Research.Core.Mlflow;

/// <summary>
/// Settings of the tracking layer: credentials, retries, outage handling. The defaults suit training runs;
/// tests shorten the times.
/// </summary>
public sealed record TrackingOptions
{
    /// <summary>Basic-auth user (default: environment <c>MLFLOW_TRACKING_USERNAME</c>).</summary>
    public string? Username { get; init; } = Environment.GetEnvironmentVariable("MLFLOW_TRACKING_USERNAME");

    /// <summary>Basic-auth password (default: environment <c>MLFLOW_TRACKING_PASSWORD</c>). Never logged.</summary>
    public string? Password { get; init; } = Environment.GetEnvironmentVariable("MLFLOW_TRACKING_PASSWORD");

    /// <summary>Bearer token (default: environment <c>MLFLOW_TRACKING_TOKEN</c>); wins over basic auth. Never logged.</summary>
    public string? Token { get; init; } = Environment.GetEnvironmentVariable("MLFLOW_TRACKING_TOKEN");

    /// <summary>Timeout of one HTTP request.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts of one REST call (connection errors, 5xx, 429) before it reports the server unavailable.</summary>
    public int RequestAttempts { get; init; } = 4;

    /// <summary>First wait between retries; doubles each attempt (with jitter) up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest wait between retries.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long creating a run may keep retrying before the run starts in the local fallback store.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the server may stay unreachable mid-run (data buffered in memory) before the run's data goes to the local fallback store.</summary>
    public TimeSpan OutageTolerance { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Most buffered items (metric points, params, tags, artifacts) held in memory while the server is unreachable; past it, fallback starts at once.</summary>
    public int BufferCapacity { get; init; } = 200_000;

    /// <summary>How long ending a run waits for buffered data to reach the server before writing the rest to the fallback store.</summary>
    public TimeSpan EndFlushTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The local file store that receives a run's data when the server stays unreachable.</summary>
    public string FallbackStore { get; init; } = "./mlruns";

    /// <summary>Where warnings go (default: standard error, prefixed "[tracking]").</summary>
    public Action<string> Warn { get; init; } = message => Console.Error.WriteLine("[tracking] " + message);
}
