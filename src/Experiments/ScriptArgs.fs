/// Command lines of the thin scripts (`run.fsx`, `sweep.fsx`): parsed here so the scripts only call
/// one library function and the flags the Slurm emitter writes are the flags the scripts accept.
module Research.Experiments.ScriptArgs

open System

/// `dotnet fsi scripts/run.fsx CONFIG [overrides] [flags]`.
type RunArgs =
    { ConfigPath: string
      /// Hydra overrides in command-line order (`--resume` adds `resume=true` at the end).
      Overrides: string list
      PrintConfig: bool
      DryRun: bool
      /// Attach the run to this parent (a sweep child, e.g. a Slurm array task).
      ParentRunId: string option
      /// Run name (a sweep child's name); default the config's `name`.
      RunName: string option }

/// Slurm settings of `sweep.fsx --emit slurm`.
type SlurmSettings =
    { /// Script file to write; None → `<sweep name>.slurm.sh` in the current directory.
      Output: string option
      WorkDir: string option
      TrackingUri: string option
      Partition: string option
      TimeLimit: string option
      MemoryGb: int option
      Cpus: int option
      MaxParallel: int option }

/// What `sweep.fsx` does.
type SweepAction =
    /// Run every pending child here, one after another (the default).
    | RunHere
    /// Write a Slurm submission script instead of running.
    | EmitSlurm of SlurmSettings
    /// Create the parent run and print its id as the last line (used by the Slurm script).
    | CreateParent
    /// Close a parent run after its children (FINISHED/FAILED) and write the comparison.
    | Collect of parentRunId: string

/// `dotnet fsi scripts/sweep.fsx SWEEP.yaml|CONFIG.yaml [overrides] [flags]`.
type SweepArgs =
    { SweepPath: string
      Overrides: string list
      Action: SweepAction
      /// Print the grid (names and overrides) and exit.
      DryRun: bool }

/// `dotnet fsi scripts/track.fsx CONFIG SEQUENCE_DIR [overrides] [flags]`.
type TrackArgs =
    { ConfigPath: string
      /// One sequence folder or a folder of sequence folders.
      SequenceDir: string
      /// None: the newest complete checkpoint of the config's output folder.
      Checkpoint: string option
      Overrides: string list
      /// Where the predictions, strips and plots go; None: `<output.dir>/<name>/track/<sequence folder name>`.
      Output: string option
      /// MLflow run name; None: `<name>-track`.
      RunName: string option }

/// `dotnet fsi scripts/predict.fsx CONFIG --checkpoint P IMAGES...|FOLDER [overrides] [flags]`.
type PredictArgs =
    { ConfigPath: string
      /// Image files and folders, in command-line order.
      Inputs: string list
      /// The whole detector's weights (our .ckpt, an official model_final.pth, .safetensors, .pth).
      Checkpoint: string
      Overrides: string list
      /// Where the results and pictures go; None: `<output.dir>/<name>/predict`.
      Output: string option
      /// Pictures show detections scoring at least this; None: `eval.vis_score_thresh`.
      ScoreThresh: float option
      /// Read folders with their subfolders.
      Recursive: bool }

/// A parsed command line, or a request for the usage text.
type Parsed<'a> =
    | Help
    | Args of 'a

/// Usage of run.fsx.
let runUsage =
    String.concat
        "\n"
        [ "usage: dotnet fsi scripts/run.fsx CONFIG.yaml [key=value ...] [options]"
          "  overrides (Hydra): key=value  +key=value (add)  ++key=value (set or add)  ~key (delete)"
          "  --print-config       print the resolved config as YAML and exit"
          "  --dry-run            validate, build the dataset index and the model, then exit"
          "  --resume             continue from the last checkpoint in output.dir, in the same MLflow run (same as resume=true)"
          "  --parent-run-id ID   attach the run to an MLflow parent run"
          "  --run-name NAME      MLflow run name (default: the config's name)"
          "  -h, --help           this text" ]

/// Usage of sweep.fsx.
let sweepUsage =
    String.concat
        "\n"
        [ "usage: dotnet fsi scripts/sweep.fsx SWEEP.yaml [key=value ...] [options]"
          "       dotnet fsi scripts/sweep.fsx CONFIG.yaml key=a,b,c [key2=range(0,1,0.5) ...] [options]"
          "  --dry-run            print the grid and exit"
          "  --emit slurm         write a Slurm submission script instead of running; with"
          "      --output FILE --workdir DIR --tracking URI --partition P --time HH:MM:SS"
          "      --mem GB --cpus N --max-parallel K"
          "  --create-parent      create the parent run, print its id last (used by the Slurm script)"
          "  --collect RUN_ID     close the parent run after its children and write the comparison"
          "  -h, --help           this text" ]

/// Usage of track.fsx.
let trackUsage =
    String.concat
        "\n"
        [ "usage: dotnet fsi scripts/track.fsx CONFIG.yaml SEQUENCE_DIR [key=value ...] [options]"
          "  SEQUENCE_DIR         one sequence folder (00000001.png ... + groundtruth.txt, one x,y,w,h line per"
          "                       frame) or a folder of sequence folders"
          "  --checkpoint PATH    detector weights (default: the newest checkpoint in <output.dir>/<name>/checkpoints)"
          "  --output DIR         where predictions, strips and the success plot go"
          "                       (default: <output.dir>/<name>/track/<SEQUENCE_DIR name>)"
          "  --run-name NAME      MLflow run name (default: <name>-track)"
          "  -h, --help           this text" ]

/// Usage of predict.fsx.
let predictUsage =
    String.concat
        "\n"
        [ "usage: dotnet fsi scripts/predict.fsx CONFIG.yaml --checkpoint PATH IMAGE|FOLDER ... [key=value ...] [options]"
          "  IMAGE|FOLDER         image files (.jpg, .jpeg, .png) and folders of them (sorted by name; subfolders only"
          "                       with --recursive); each image alone at input.min_size_test / max_size_test, as evaluation"
          "  --checkpoint PATH    the whole detector: our .ckpt, an official DeFCN / cvpods model_final.pth, .safetensors or"
          "                       .pth (strict on keys unless model.weights_strict=false)"
          "  --output DIR         where detections.json, images.json, NAME.png (and detections.odgt for crowd configs) go"
          "                       (default: <output.dir>/<name>/predict)"
          "  --score-thresh T     pictures show detections scoring at least T (default: eval.vis_score_thresh); the results"
          "                       files keep every detection of model.test (score_thresh, detections_per_image)"
          "  --recursive          also read the folders' subfolders"
          "  -h, --help           this text"
          "Exit code 0; 1 when some images could not be read (each named on its own line, the others predicted); 2 for bad"
          "arguments, configs, checkpoints or folders without images." ]

let private isOverride (arg: string) = arg.Contains '=' || arg.StartsWith "~"

let private unknownFlag (known: string list) (flag: string) =
    match DidYouMean.suggest known flag with
    | Some f -> sprintf "unknown option '%s'; did you mean '%s'?" flag f
    | None -> sprintf "unknown option '%s'" flag

let private positive (flag: string) (value: string) =
    match Int32.TryParse value with
    | true, n when n > 0 -> Ok n
    | _ -> Error(sprintf "%s needs a positive integer, got '%s'" flag value)

let private runFlags = [ "--print-config"; "--dry-run"; "--resume"; "--parent-run-id"; "--run-name"; "--help" ]

/// Parses run.fsx's arguments. Errors are one line, for stderr with exit code 2.
let parseRun (argv: string list) : Result<Parsed<RunArgs>, string> =
    let rec go (args: string list) (acc: RunArgs) (resume: bool) =
        match args with
        | [] ->
            if acc.ConfigPath = "" then Error "missing the config file (e.g. experiments/quickstart.yaml)"
            else Ok(Args { acc with Overrides = acc.Overrides @ (if resume then [ "resume=true" ] else []) })
        | ("-h" | "--help") :: _ -> Ok Help
        | "--print-config" :: rest -> go rest { acc with PrintConfig = true } resume
        | "--dry-run" :: rest -> go rest { acc with DryRun = true } resume
        | "--resume" :: rest -> go rest acc true
        | "--parent-run-id" :: id :: rest when not (id.StartsWith "--") -> go rest { acc with ParentRunId = Some id } resume
        | "--run-name" :: name :: rest when not (name.StartsWith "--") -> go rest { acc with RunName = Some name } resume
        | ("--parent-run-id" | "--run-name" as flag) :: _ -> Error(sprintf "%s needs a value" flag)
        | flag :: _ when flag.StartsWith "-" -> Error(unknownFlag runFlags flag)
        | arg :: rest when acc.ConfigPath = "" && not (isOverride arg) -> go rest { acc with ConfigPath = arg } resume
        | arg :: rest when isOverride arg -> go rest { acc with Overrides = acc.Overrides @ [ arg ] } resume
        | arg :: _ -> Error(sprintf "'%s' is not an override (key=value, +key=value, ~key)" arg)
    go argv { ConfigPath = ""; Overrides = []; PrintConfig = false; DryRun = false; ParentRunId = None; RunName = None } false

let private trackFlags = [ "--checkpoint"; "--output"; "--run-name"; "--help" ]

/// Parses track.fsx's arguments. Errors are one line, for stderr with exit code 2.
let parseTrack (argv: string list) : Result<Parsed<TrackArgs>, string> =
    let rec go (args: string list) (acc: TrackArgs) =
        match args with
        | [] ->
            if acc.ConfigPath = "" then Error "missing the config file (e.g. experiments/track_quickstart.yaml)"
            elif acc.SequenceDir = "" then Error "missing the sequence folder (one sequence folder or a folder of them)"
            else Ok(Args acc)
        | ("-h" | "--help") :: _ -> Ok Help
        | "--checkpoint" :: path :: rest when not (path.StartsWith "--") -> go rest { acc with Checkpoint = Some path }
        | "--output" :: path :: rest when not (path.StartsWith "--") -> go rest { acc with Output = Some path }
        | "--run-name" :: name :: rest when not (name.StartsWith "--") -> go rest { acc with RunName = Some name }
        | ("--checkpoint" | "--output" | "--run-name" as flag) :: _ -> Error(sprintf "%s needs a value" flag)
        | flag :: _ when flag.StartsWith "-" -> Error(unknownFlag trackFlags flag)
        | arg :: rest when isOverride arg -> go rest { acc with Overrides = acc.Overrides @ [ arg ] }
        | arg :: rest when acc.ConfigPath = "" -> go rest { acc with ConfigPath = arg }
        | arg :: rest when acc.SequenceDir = "" -> go rest { acc with SequenceDir = arg }
        | arg :: _ -> Error(sprintf "unexpected argument '%s' (CONFIG and SEQUENCE_DIR are already given; overrides are key=value)" arg)
    go argv { ConfigPath = ""; SequenceDir = ""; Checkpoint = None; Overrides = []; Output = None; RunName = None }

let private predictFlags = [ "--checkpoint"; "--output"; "--score-thresh"; "--recursive"; "--help" ]

type private PredictState =
    { Config: string
      Inputs: string list
      Checkpoint: string option
      Overrides: string list
      Output: string option
      ScoreThresh: float option
      Recursive: bool }

/// Parses predict.fsx's arguments: the first positional argument is the config, the others are images and folders.
/// Errors are one line, for stderr with exit code 2.
let parsePredict (argv: string list) : Result<Parsed<PredictArgs>, string> =
    let rec go (args: string list) (st: PredictState) =
        match args with
        | [] ->
            if st.Config = "" then Error "missing the config file (e.g. experiments/quickstart.yaml)"
            elif st.Inputs.IsEmpty then Error "missing the images: name image files or folders of them"
            else
                match st.Checkpoint with
                | None -> Error "missing --checkpoint PATH (the whole detector: our .ckpt, an official model_final.pth, .safetensors or .pth)"
                | Some checkpoint ->
                    Ok(Args { ConfigPath = st.Config; Inputs = List.rev st.Inputs; Checkpoint = checkpoint; Overrides = List.rev st.Overrides
                              Output = st.Output; ScoreThresh = st.ScoreThresh; Recursive = st.Recursive })
        | ("-h" | "--help") :: _ -> Ok Help
        | "--recursive" :: rest -> go rest { st with Recursive = true }
        | "--checkpoint" :: path :: rest when not (path.StartsWith "--") -> go rest { st with Checkpoint = Some path }
        | "--output" :: path :: rest when not (path.StartsWith "--") -> go rest { st with Output = Some path }
        | "--score-thresh" :: value :: rest when not (value.StartsWith "--") ->
            match Double.TryParse(value, Globalization.NumberStyles.Float, Globalization.CultureInfo.InvariantCulture) with
            | true, t when t >= 0.0 && t <= 1.0 -> go rest { st with ScoreThresh = Some t }
            | _ -> Error(sprintf "--score-thresh needs a score between 0 and 1, got '%s'" value)
        | ("--checkpoint" | "--output" | "--score-thresh" as flag) :: _ -> Error(sprintf "%s needs a value" flag)
        | flag :: _ when flag.StartsWith "-" -> Error(unknownFlag predictFlags flag)
        | arg :: rest when isOverride arg -> go rest { st with Overrides = arg :: st.Overrides }
        | arg :: rest when st.Config = "" -> go rest { st with Config = arg }
        | arg :: rest -> go rest { st with Inputs = arg :: st.Inputs }
    go argv { Config = ""; Inputs = []; Checkpoint = None; Overrides = []; Output = None; ScoreThresh = None; Recursive = false }

let private sweepFlags =
    [ "--dry-run"; "--emit"; "--output"; "--workdir"; "--tracking"; "--partition"; "--time"; "--mem"; "--cpus"; "--max-parallel"; "--create-parent"; "--collect"; "--help" ]

let private noSlurm =
    { Output = None; WorkDir = None; TrackingUri = None; Partition = None; TimeLimit = None; MemoryGb = None; Cpus = None; MaxParallel = None }

type private SweepState =
    { Path: string
      Overrides: string list
      DryRun: bool
      Emit: bool
      Slurm: SlurmSettings
      CreateParent: bool
      Collect: string option }

/// Parses sweep.fsx's arguments. Errors are one line, for stderr with exit code 2.
let parseSweep (argv: string list) : Result<Parsed<SweepArgs>, string> =
    let slurmOnly = [ "--output"; "--workdir"; "--tracking"; "--partition"; "--time"; "--mem"; "--cpus"; "--max-parallel" ]
    let finish (st: SweepState) =
        let actions = [ st.Emit; st.CreateParent; st.Collect.IsSome ] |> List.filter id |> List.length
        if st.Path = "" then Error "missing the sweep file (e.g. experiments/sweeps/alpha.yaml)"
        elif actions > 1 then Error "choose one of --emit slurm, --create-parent and --collect"
        elif not st.Emit && st.Slurm <> noSlurm then Error(sprintf "%s go with --emit slurm" (String.Join(", ", slurmOnly)))
        else
            let action =
                if st.Emit then EmitSlurm st.Slurm
                elif st.CreateParent then CreateParent
                else match st.Collect with Some id -> Collect id | None -> RunHere
            Ok(Args { SweepPath = st.Path; Overrides = st.Overrides; Action = action; DryRun = st.DryRun })
    let rec go (args: string list) (st: SweepState) =
        match args with
        | [] -> finish st
        | ("-h" | "--help") :: _ -> Ok Help
        | "--dry-run" :: rest -> go rest { st with DryRun = true }
        | "--emit" :: "slurm" :: rest -> go rest { st with Emit = true }
        | "--emit" :: other :: _ -> Error(sprintf "--emit supports 'slurm', got '%s'" other)
        | "--create-parent" :: rest -> go rest { st with CreateParent = true }
        | "--collect" :: id :: rest when not (id.StartsWith "--") -> go rest { st with Collect = Some id }
        | flag :: value :: rest when List.contains flag slurmOnly && not (value.StartsWith "--") ->
            let set f = go rest { st with Slurm = f st.Slurm }
            match flag with
            | "--output" -> set (fun s -> { s with Output = Some value })
            | "--workdir" -> set (fun s -> { s with WorkDir = Some value })
            | "--tracking" -> set (fun s -> { s with TrackingUri = Some value })
            | "--partition" -> set (fun s -> { s with Partition = Some value })
            | "--time" -> set (fun s -> { s with TimeLimit = Some value })
            | "--mem" -> positive flag value |> Result.bind (fun n -> set (fun s -> { s with MemoryGb = Some n }))
            | "--cpus" -> positive flag value |> Result.bind (fun n -> set (fun s -> { s with Cpus = Some n }))
            | _ -> positive flag value |> Result.bind (fun n -> set (fun s -> { s with MaxParallel = Some n }))
        | flag :: _ when flag = "--emit" || flag = "--collect" || List.contains flag slurmOnly -> Error(sprintf "%s needs a value" flag)
        | flag :: _ when flag.StartsWith "-" -> Error(unknownFlag sweepFlags flag)
        | arg :: rest when st.Path = "" && not (isOverride arg) -> go rest { st with Path = arg }
        | arg :: rest when isOverride arg -> go rest { st with Overrides = st.Overrides @ [ arg ] }
        | arg :: _ -> Error(sprintf "'%s' is not an override (key=value, key=a,b,c, +key=value, ~key)" arg)
    go argv { Path = ""; Overrides = []; DryRun = false; Emit = false; Slurm = noSlurm; CreateParent = false; Collect = None }

/// Runs a script command on its parsed arguments: the usage for help (exit 0), a one-line error plus the
/// usage for bad arguments (exit 2), else `run args`.
let handle (usage: string) (parsed: Result<Parsed<'a>, string>) (run: 'a -> int) : int =
    match parsed with
    | Ok Help ->
        printfn "%s" usage
        0
    | Error message ->
        eprintfn "error: %s" message
        eprintfn "%s" usage
        2
    | Ok(Args args) -> run args
