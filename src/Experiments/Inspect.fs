/// Config-driven tools around a model: the forward-pass trace of one validation image
/// (`trace [CONFIG.yaml] [overrides]`, `experiments/base.yaml` without a config) and the COCO evaluation of a
/// checkpoint on the config's val set (`evaluate CONFIG.yaml --checkpoint PATH [overrides]`; without a config,
/// `evaluate GT.json DETS.json` scores a results file). Configs go through the one loader, `Config.load`.
module Research.Experiments.Inspect

open System
open System.IO
open Research.Core.Data
open Research.Core.Detectors
open Research.Core.Evaluation
open Research.Core.Training

let private isConfig (arg: string) =
    arg.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || arg.EndsWith(".yml", StringComparison.OrdinalIgnoreCase)

/// The help of `trace`.
let traceUsage =
    """usage: dotnet fsi scripts/trace.fsx [CONFIG.yaml] [key=value ...]

The forward pass of the config's detector (random initial weights) on its first val image, stage by stage:
tensor shapes and statistics of the backbone and FPN levels, towers, MaxFiltering input/output, head
outputs, shifts, the flattened (N,R,K)/(N,R,4)/(N,R,1) tensors and the final detections.
  CONFIG.yaml  an experiment config (default: experiments/base.yaml, the reference R-50 DeFCN)
  key=value    overrides in the config's names, e.g. model.filter.tau=4 input.min_size_test=320"""

/// Where `trace` arguments point: a config (given, or experiments/base.yaml) and its overrides.
let private traceTarget (args: string list) : Result<string * string list, string> =
    match args |> List.tryFind (fun a -> a.StartsWith "--") with
    | Some option -> Error(sprintf "unknown option '%s' (trace takes [CONFIG.yaml] [key=value ...])" option)
    | None ->
        match args with
        | config :: overrides when isConfig config -> Ok(config, overrides)
        | overrides ->
            try Ok(Config.defaultPath (), overrides)
            with :? FileNotFoundException as e -> Error e.Message

/// `trace [CONFIG.yaml] [overrides]`: the model of the config on the first val image.
let trace (argv: string[]) : int =
    let args = List.ofArray argv
    if args |> List.exists (fun a -> a = "--help" || a = "-h") then
        printfn "%s" traceUsage
        0
    else
        match traceTarget args with
        | Error message ->
            eprintfn "error: %s" message
            ConfigError.ExitCode
        | Ok(config, overrides) ->
            match Config.load config overrides with
            | Error e -> ConfigError.report e
            | Ok resolved ->
                Run.guarded (fun () ->
                    let cfg = resolved.Config
                    let watch = Diagnostics.Stopwatch.StartNew()
                    Run.applyRuntime cfg |> ignore
                    Seeding.Apply(int64 cfg.Seed)
                    use model = Run.buildModel cfg
                    printfn "%s (random initial weights: scores stay near the prior)" (ModelDescription.describeModel cfg model)
                    match cfg.Task with
                    | Detection ->
                        let _, valSet = Run.loadData cfg
                        use batch = EvalBatchLoader(valSet, Run.inputOptions cfg, 1).BuildBatch 0L
                        let struct (oh, ow) = batch.OriginalSizes[0]
                        let struct (ih, iw) = batch.ImageSizes[0]
                        printfn "config %s, val image %d (%dx%d → %dx%d)" resolved.Path batch.ImageIds[0] ow oh iw ih
                        ForwardTrace.Run(model, batch, stdout)
                    | Tracking ->
                        // The crop the tracker cuts around the first box of the first val sequence.
                        let _, valSet = TrackingMode.loadSequences cfg
                        let sequence = valSet[0]
                        use batch = TrackingMode.firstCropBatch cfg sequence
                        printfn "config %s, val sequence %s frame 1 (%dx%d), %dx%d crop around its box" resolved.Path sequence.Name sequence.Width sequence.Height cfg.Tracker.CropSize cfg.Tracker.CropSize
                        ForwardTrace.Run(model, batch, stdout)
                    printfn "done in %.2f s" watch.Elapsed.TotalSeconds
                    0)

/// `evaluate CONFIG.yaml --checkpoint PATH [overrides] [--json]`: COCO metrics of a checkpoint on the
/// config's val set, with and without NMS as in training.
let evaluate (argv: string[]) : int =
    match List.ofArray argv with
    | config :: rest when isConfig config ->
        let rec split checkpoint json overrides args =
            match args with
            | [] -> Ok(checkpoint, json, List.rev overrides)
            | "--checkpoint" :: path :: tail -> split (Some path) json overrides tail
            | "--checkpoint" :: [] -> Error "--checkpoint needs a path"
            | "--json" :: tail -> split checkpoint true overrides tail
            | a :: _ when a.StartsWith "--" -> Error(sprintf "unknown option '%s'" a)
            | a :: tail -> split checkpoint json (a :: overrides) tail
        match split None false [] rest with
        | Error message ->
            eprintfn "error: %s" message
            ConfigError.ExitCode
        | Ok(None, _, _) ->
            eprintfn "error: evaluating a config needs --checkpoint PATH (our .ckpt, e.g. outputs/quickstart/checkpoints/model_0001800.ckpt, an official model_final.pth, .safetensors or .pth)"
            ConfigError.ExitCode
        | Ok(Some checkpoint, json, overrides) ->
            match Config.load config overrides with
            | Error e -> ConfigError.report e
            | Ok resolved ->
                Run.guarded (fun () ->
                    if not (File.Exists checkpoint) then raise (FileNotFoundException(sprintf "checkpoint '%s' does not exist" checkpoint))
                    let cfg = resolved.Config
                    use model = Run.buildModel cfg
                    // Any whole-detector file: our .ckpt, an official model_final.pth, .safetensors, .pth (strict unless
                    // model.weights_strict=false).
                    let loaded = ModelWeights.loadCheckpoint cfg model checkpoint "evaluate what loads"
                    let iteration = if loaded.Iteration.HasValue then loaded.Iteration.Value else 0L
                    let name =
                        if loaded.Iteration.HasValue then sprintf "checkpoint_%07d" iteration
                        else "weights_" + Path.GetFileNameWithoutExtension checkpoint
                    let dir = Path.Combine(Run.outputFolder cfg None, "eval", name)
                    let print (metrics: Collections.Generic.IReadOnlyDictionary<string, float>) (what: string) =
                        if json then
                            let items = metrics |> Seq.map (fun kv -> sprintf "\"%s\": %s" kv.Key (kv.Value.ToString("R", Globalization.CultureInfo.InvariantCulture)))
                            printfn "{%s}" (String.Join(", ", items))
                        else
                            printfn "checkpoint %s (%s) on %s; outputs in %s" checkpoint
                                (if loaded.Iteration.HasValue then sprintf "iteration %d" iteration else sprintf "%A file" loaded.Format) what dir
                            for kv in metrics |> Seq.sortBy (fun kv -> kv.Key) do
                                printfn "  %-26s %.4f" kv.Key kv.Value
                    match cfg.Task with
                    | Tracking ->
                        let _, valSet = TrackingMode.loadSequences cfg
                        let report = (TrackingMode.evaluator cfg valSet).Evaluate(model, dir)
                        print report.Metrics (sprintf "the val sequences (%s)" (TrackingMode.describeSet valSet))
                        0
                    | Detection ->
                        let _, valSet = Run.loadData cfg
                        let evaluator = DetectionValidation(valSet, Run.inputOptions cfg, cfg.Solver.BatchSize, Run.evaluationVariants cfg, 0)
                        let report = evaluator.Evaluate(model, dir)
                        print report.Metrics (sprintf "%s (%d images)" valSet.AnnotationFile valSet.Images.Count)
                        0)
    | args -> EvaluateCommand.run args stdout stderr
