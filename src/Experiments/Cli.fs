/// The command line behind every script in scripts/: `Cli.main [| command; args... |]`. Each .fsx
/// entry point is one call to this (through scripts/lib/Bootstrap.fsx, which builds the library first
/// when it is stale), so argument handling and exit codes are tested here, not in the scripts.
module Research.Experiments.Cli

open System
open Research.Core.Mlflow

/// Exit codes shared by all commands.
[<RequireQualifiedAccess>]
module ExitCode =
    let ok = 0
    let failed = 1
    let usage = 2

let private commands =
    [ "run", "train, evaluate and track one experiment:  run CONFIG.yaml [overrides] [--print-config] [--dry-run] [--resume]"
      "sweep", "run an ablation grid as one parent run with a child per point:  sweep SWEEP.yaml [overrides]"
      "compare", "compare the runs of a sweep or experiment:  compare [--parent RUN_ID | --experiment NAME] [--metric KEY]"
      "evaluate", "COCO bbox or CrowdHuman evaluation:  evaluate GT.json|GT.odgt DETS [--json]  |  evaluate CONFIG.yaml --checkpoint PATH [overrides]"
      "predict", "a trained detector on image files and folders:  predict CONFIG.yaml --checkpoint PATH IMAGE|FOLDER ... [--output DIR] [--score-thresh T]"
      "track", "single-object tracking with a trained tracking config:  track CONFIG.yaml SEQUENCE_DIR [--checkpoint PATH]"
      "trace", "print every stage of the forward pass for one image:  trace [CONFIG.yaml] [overrides]"
      "sync", "upload local MLflow runs to a tracking server:  sync [./mlruns] http://server" ]

/// The usage text listing every command.
let usage () =
    let lines = commands |> List.map (fun (name, text) -> sprintf "  %-9s %s" name text)
    String.Join(Environment.NewLine,
                [ "usage: dotnet fsi scripts/<command>.fsx [arguments]   (help of one command: <command>.fsx -- --help)"
                  "" ] @ lines)

/// Dispatches one command; returns its exit code. Unknown commands exit with 2.
let main (argv: string[]) : int =
    match List.ofArray argv with
    | []
    | [ "--help" ]
    | [ "help" ] ->
        printfn "%s" (usage ())
        ExitCode.ok
    | "evaluate" :: rest -> Inspect.evaluate (List.toArray rest)
    | "sync" :: rest -> SyncCommand.run rest stdout None
    | "trace" :: rest -> Inspect.trace (List.toArray rest)
    | "track" :: rest -> Track.main (List.toArray rest)
    | "predict" :: rest -> Predict.main (List.toArray rest)
    | "compare" :: rest -> Compare.main (List.toArray rest)
    | "run" :: rest -> Run.main (List.toArray rest)
    | "sweep" :: rest -> SweepRun.main (List.toArray rest)
    | cmd :: _ ->
        eprintfn "error: unknown command '%s'" cmd
        eprintfn "%s" (usage ())
        ExitCode.usage
