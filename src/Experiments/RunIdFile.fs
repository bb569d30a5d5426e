/// The MLflow run of a training output folder (`OUTPUT/mlflow_run.json`): written when the run starts, read
/// by `--resume` (and by sweeps and requeued Slurm tasks) to continue the same run instead of starting a
/// second one.
module Research.Experiments.RunIdFile

open System
open System.IO
open System.Text.Json
open System.Text.Json.Nodes

/// The file name inside the output folder.
[<Literal>]
let FileName = "mlflow_run.json"

/// Which run an output folder belongs to.
type RunLink =
    { /// The MLflow run id.
      RunId: string
      /// The store it lives in (as `MlflowTracker.Uri` reports it).
      TrackingUri: string
      /// The experiment name.
      Experiment: string }

/// The path of the file in `folder`.
let path (folder: string) = Path.Combine(folder, FileName)

/// Writes the link (temporary file, then rename: a kill never leaves half a file).
let write (folder: string) (link: RunLink) =
    let node = JsonObject()
    node["run_id"] <- JsonValue.Create link.RunId
    node["tracking_uri"] <- JsonValue.Create link.TrackingUri
    node["experiment"] <- JsonValue.Create link.Experiment
    let target = path folder
    let temp = target + ".tmp"
    File.WriteAllText(temp, node.ToJsonString(JsonSerializerOptions(WriteIndented = true)) + "\n")
    File.Move(temp, target, true)

/// The link of `folder`: Ok None when there is none, Error with the reason when the file is unreadable.
let tryRead (folder: string) : Result<RunLink option, string> =
    let file = path folder
    if not (File.Exists file) then Ok None
    else
        try
            let node =
                match JsonNode.Parse(File.ReadAllText file) with
                | null -> failwith "empty"
                | n -> n
            let text (key: string) =
                match node[key] with
                | null -> failwithf "no '%s'" key
                | v -> v.GetValue<string>()
            Ok(Some { RunId = text "run_id"; TrackingUri = text "tracking_uri"; Experiment = text "experiment" })
        with e -> Error(sprintf "%s is unreadable (%s)" file e.Message)
