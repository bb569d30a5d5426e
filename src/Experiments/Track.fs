/// `track CONFIG SEQUENCE_DIR [--checkpoint PATH]`: the DeFCN single-object tracker of a `task: tracking`
/// config on sequence folders — start from each first box, crop around the previous box, take the detector's
/// best box (no NMS), map it back, smooth the size — with predictions, strips and the one-pass evaluation
/// (success AUC, precision at 20 px, against the fixed-box baseline) written out and logged to MLflow.
module Research.Experiments.Track

open System
open System.Diagnostics
open System.IO
open Research.Core.SingleObjectTracking
open Research.Core.Mlflow
open Research.Core.Training
open TorchSharp

/// The checkpoint to track with: the given one, else the newest complete one the config's run wrote.
let private checkpointOf (cfg: ExperimentConfig) (given: string option) =
    match given with
    | Some path when File.Exists path -> path
    | Some path -> raise (FileNotFoundException(sprintf "checkpoint '%s' does not exist" path, path))
    | None ->
        let dir = Path.Combine(Run.outputFolder cfg None, "checkpoints")
        let newest =
            if Directory.Exists dir then CheckpointStore(dir).FindNewestComplete(fun w -> eprintfn "warning: %s" w) else null
        match Option.ofObj newest with
        | Some path -> path
        | None ->
            raise (FileNotFoundException(sprintf "no checkpoint in %s: train first (dotnet fsi scripts/run.fsx CONFIG) or pass --checkpoint PATH" dir, dir))

/// Tracks with a resolved config; returns the exit code.
let execute (resolved: ResolvedConfig) (args: ScriptArgs.TrackArgs) : int =
    let cfg = resolved.Config
    if cfg.Task <> Tracking then
        raise (ArgumentException(sprintf "%s has task = detection; tracking needs a config with task: tracking (e.g. experiments/track_quickstart.yaml)" resolved.Path))
    let device = Run.applyRuntime cfg
    let sequences = SequenceFolder.ReadOneOrMany args.SequenceDir |> Array.ofSeq
    let checkpoint = checkpointOf cfg args.Checkpoint
    let setName = string (Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath args.SequenceDir)))
    let outputDir =
        match args.Output with
        | Some dir -> Path.GetFullPath dir
        | None -> Path.Combine(Run.outputFolder cfg None, "track", TrackingEvaluator.SafeName setName)
    use model = Run.buildModel cfg
    // Any whole-detector file: our .ckpt, .safetensors, .pth (strict unless model.weights_strict=false).
    let loaded = ModelWeights.loadCheckpoint cfg model checkpoint "track with what loads"
    let iteration = if loaded.Iteration.HasValue then loaded.Iteration.Value else 0L
    model.``to``(device) |> ignore
    let evaluator = TrackingMode.evaluator cfg sequences
    eprintfn "tracking %s with %s (iteration %d): %s" args.SequenceDir checkpoint iteration (TrackingMode.describeSet sequences)
    use tracker = MlflowTracker.FromEnvironment(cfg.Tracking.Uri)
    let runName = defaultArg args.RunName (cfg.Name + "-track")
    let run =
        tracker.StartRun(cfg.Tracking.Experiment, runName, tags = readOnlyDict [ "research.command", "track" ], sourceName = resolved.Path)
    use _interrupt = run.EndOnInterrupt()
    try
        run.LogParams(readOnlyDict (Config.flatten resolved))
        run.LogParams(
            readOnlyDict
                [ "track.sequences", Path.GetFullPath args.SequenceDir
                  "track.sequence_count", string sequences.Length
                  "track.checkpoint", Path.GetFullPath checkpoint
                  "track.checkpoint_iteration", string iteration ])
        let watch = Stopwatch.StartNew()
        let report =
            evaluator.Evaluate(model, outputDir, progress = fun i n r ->
                eprintfn "  [%d/%d] %s: %d frames, success AUC %.3f, precision@20 %.3f (fixed box %.3f, %.3f), %.1f fps"
                    (i + 1) n r.Name r.Predicted.Count r.Tracker.SuccessAuc r.Tracker.PrecisionAt20 r.Baseline.SuccessAuc r.Baseline.PrecisionAt20 r.FramesPerSecond)
        run.LogMetrics(iteration, report.Metrics)
        run.LogArtifact(outputDir, "track")
        run.SetNote(
            String.Join(
                "\n",
                [ sprintf "# %s on %s" runName setName
                  ""
                  sprintf "Checkpoint `%s` (iteration %d), %s." (Path.GetFileName checkpoint) iteration (TrackingMode.describeSet sequences)
                  ""
                  "| tracker | success AUC | precision@20px |"
                  "|---|---|---|"
                  sprintf "| DeFCN | %.4f | %.4f |" report.Metrics["ope/success_auc"] report.Metrics["ope/precision_20"]
                  sprintf "| fixed first box | %.4f | %.4f |" report.Metrics["ope_baseline/success_auc"] report.Metrics["ope_baseline/precision_20"]
                  ""
                  sprintf "%.1f frames per second. Success plot: `track/success_plot.png`; per sequence: predictions, frames.csv, strip.png." report.Metrics["ope/fps"] ]))
        run.End(RunStatus.Finished)
        printfn "%s: %s" setName (TrackingMode.summary report.Metrics)
        printfn "predictions, strips and success plot in %s (%.1f s); MLflow run %s in experiment '%s'" outputDir watch.Elapsed.TotalSeconds run.RunId cfg.Tracking.Experiment
        0
    with _ ->
        run.End(RunStatus.Failed)
        reraise ()

/// `track`: arguments after the command.
let main (argv: string[]) : int =
    ScriptArgs.handle ScriptArgs.trackUsage (ScriptArgs.parseTrack (List.ofArray argv)) (fun args ->
        match Config.load args.ConfigPath args.Overrides with
        | Error e -> ConfigError.report e
        | Ok resolved -> Run.guarded (fun () -> execute resolved args))
