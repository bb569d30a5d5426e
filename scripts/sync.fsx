// Uploads the runs of a local MLflow file store (./mlruns, including runs written there while a tracking
// server was unreachable) to a tracking server. Idempotent: run it again and nothing is uploaded twice.
//
//   dotnet fsi scripts/sync.fsx [LOCAL_STORE] http(s)://SERVER
//
// Credentials: MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD, or MLFLOW_TRACKING_TOKEN.
// Needs the library built: dotnet build Research.sln -c Release
#I "../src/Experiments/bin/Release/net10.0"
#r "Research.Core.dll"

exit (Research.Core.Tracking.StoreSyncCommand.Run(fsi.CommandLineArgs |> Array.skip 1))
