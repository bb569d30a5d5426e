// Uploads the runs of a local MLflow file store (./mlruns, including runs written there while a tracking
// server was unreachable) to a tracking server. Idempotent: run it again and nothing is uploaded twice.
//
//   dotnet fsi scripts/sync.fsx [LOCAL_STORE] http(s)://SERVER        (help: sync.fsx -- --help)
//
// Credentials: MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD, or MLFLOW_TRACKING_TOKEN.
// Logic: Research.Experiments.SyncCommand, where the tests reach it.
#load "lib/Bootstrap.fsx"
Bootstrap.invoke "sync" fsi.CommandLineArgs.[1..]
