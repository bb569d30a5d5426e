/// `sync [LOCAL_STORE] http(s)://SERVER`: uploads the runs of a local MLflow file store to a tracking server
/// (scripts/sync.fsx). Idempotent: nothing already on the server is uploaded twice.
module Research.Experiments.SyncCommand

open System.IO
open Research.Core.Mlflow

/// The usage line.
let usage = "usage: dotnet fsi scripts/sync.fsx [LOCAL_STORE (default ./mlruns)] http(s)://SERVER"

/// Runs the command, printing one line per run and a summary to `output`. Exit code 0 when everything is on the
/// server, 1 when some run had problems, 2 for bad arguments. Credentials come from
/// MLFLOW_TRACKING_USERNAME/PASSWORD or MLFLOW_TRACKING_TOKEN.
let run (args: string list) (output: TextWriter) (options: TrackingOptions option) : int =
    if args.Length < 1 || args.Length > 2 || args |> List.exists (fun a -> a = "-h" || a = "--help") then
        output.WriteLine usage
        2
    else
        let local = if args.Length = 2 then args[0] else MlflowTracker.DefaultUri
        let server = List.last args
        if not (MlflowTracker.IsServerUri server) then
            output.WriteLine(sprintf "'%s' is not an http(s):// tracking server URI.\n%s" (MlflowRestClient.Redact server) usage)
            2
        else
            use source = new FileStore(local)
            if not (Directory.Exists source.Root) then
                output.WriteLine(sprintf "Local store '%s' does not exist.\n%s" source.Root usage)
                2
            else
                use client = new MlflowRestClient(server, Option.toObj options)
                match (try Ok(StoreSync.Sync(source, client, (fun line -> output.WriteLine(line: string)))) with :? TrackingException as e -> Error e.Message) with
                | Error message ->
                    output.WriteLine(sprintf "sync failed: %s" message)
                    1
                | Ok report ->
                    for p in report.Problems do output.WriteLine("problem: " + p)
                    output.WriteLine(
                        sprintf "%s -> %s: %d runs created, %d updated, %d already complete; %d metric points and %d artifacts uploaded; %d problems."
                            source.Root client.Uri report.RunsCreated report.RunsUpdated report.RunsUnchanged report.MetricPoints report.Artifacts report.Problems.Count)
                    if report.Problems.Count = 0 then 0 else 1
