namespace Research.Core.Tracking;

/// <summary>The command behind <c>scripts/sync.fsx</c>: argument handling and printing, so the script stays one line.</summary>
public static class StoreSyncCommand
{
    /// <summary>Usage text.</summary>
    public const string Usage = "usage: dotnet fsi scripts/sync.fsx [LOCAL_STORE (default ./mlruns)] http(s)://SERVER";

    /// <summary>
    /// Runs <c>[LOCAL_STORE] SERVER_URI</c>: uploads every run of the local store to the server, printing one
    /// line per run and a summary. Exit code 0 when everything is on the server, 1 when some run had problems,
    /// 2 for bad arguments. Credentials come from MLFLOW_TRACKING_USERNAME/PASSWORD or MLFLOW_TRACKING_TOKEN.
    /// </summary>
    public static int Run(string[] args, TextWriter? output = null, TrackingOptions? options = null)
    {
        output ??= Console.Out;
        if (args.Length is < 1 or > 2 || args.Any(a => a is "-h" or "--help"))
        {
            output.WriteLine(Usage);
            return 2;
        }
        var local = args.Length == 2 ? args[0] : MlflowTracker.DefaultUri;
        var server = args[^1];
        if (!MlflowTracker.IsServerUri(server))
        {
            output.WriteLine($"'{MlflowRestClient.Redact(server)}' is not an http(s):// tracking server URI.\n{Usage}");
            return 2;
        }
        var source = new FileStore(local);
        if (!Directory.Exists(source.Root))
        {
            output.WriteLine($"Local store '{source.Root}' does not exist.\n{Usage}");
            return 2;
        }
        using var client = new MlflowRestClient(server, options);
        SyncReport report;
        try
        {
            report = StoreSync.Sync(source, client, output.WriteLine);
        }
        catch (TrackingException e)
        {
            output.WriteLine($"sync failed: {e.Message}");
            return 1;
        }
        foreach (var p in report.Problems) output.WriteLine("problem: " + p);
        output.WriteLine($"{source.Root} -> {client.Uri}: {report.RunsCreated} runs created, {report.RunsUpdated} updated, {report.RunsUnchanged} already complete; " +
                         $"{report.MetricPoints} metric points and {report.Artifacts} artifacts uploaded; {report.Problems.Count} problems.");
        return report.Problems.Count == 0 ? 0 : 1;
    }
}
