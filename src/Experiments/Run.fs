/// One experiment end to end: config → data, model, loss → training (checkpoints, resume) → COCO
/// evaluation with and without NMS → pictures → MLflow run (params = the resolved config, metric
/// curves, artifacts). `run.fsx` is a thin call to `Run.main`.
module Research.Experiments.Run

open System
open System.Collections.Generic
open System.IO
open Research.Core.Assignment
open Research.Core.Data
open Research.Core.Detectors
open Research.Core.Inference
open Research.Core.Losses
open Research.Core.Modeling.Backbone
open Research.Core.Modeling.Head
open Research.Core.Modeling.Weights
open Research.Core.Runtime
open Research.Core.Mlflow
open Research.Core.Training
open TorchSharp

/// The Core box choice of a CrowdHuman source.
let private coreBox (box: CrowdBox) =
    match box with
    | FullBox -> CrowdHumanBox.Full
    | VisibleBox -> CrowdHumanBox.Visible
    | HeadBox -> CrowdHumanBox.Head

/// The settings of the crowd preset (`data.synthetic_crowd`) as Core takes them.
let syntheticCrowdOptions (cfg: ExperimentConfig) =
    let k = cfg.Data.SyntheticCrowd
    let options =
        SyntheticCrowdOptions(
            ImageSize = k.ImageSize, TrainImages = k.TrainImages, ValImages = k.ValImages, MinPeople = k.MinPeople,
            MaxPeople = k.MaxPeople, MinHeight = k.MinHeight, MaxHeight = k.MaxHeight, Aspect = k.Aspect,
            MinSpacing = k.MinSpacing, MaxSpacing = k.MaxSpacing, MaxIgnoreRegions = k.MaxIgnoreRegions,
            MinVisibleFraction = k.MinVisibleFraction, Seed = int64 k.Seed)
    options.Validate()
    options

/// The data of a run: train and val sets (COCO records; generated sets are generated and cached first, the crowd
/// preset and CrowdHuman files go through the CrowdHuman reader).
let loadData (cfg: ExperimentConfig) : CocoDataset * CocoDataset =
    let sources = [ cfg.Data.Train; cfg.Data.Val ]
    let synthetic =
        lazy
            (let s = cfg.Data.Synthetic
             let options =
                 SyntheticSceneOptions(
                     ImageSize = s.ImageSize, TrainImages = s.TrainImages, ValImages = s.ValImages,
                     NumClasses = s.NumClasses, MinObjects = s.MinObjects, MaxObjects = s.MaxObjects,
                     MinObjectSize = s.MinObjectSize, MaxObjectSize = s.MaxObjectSize, CrowdFraction = s.CrowdFraction,
                     MinVisibleFraction = s.MinVisibleFraction, Seed = int64 s.Seed)
             options.Validate()
             SyntheticDataset.Load(options, s.CacheDir).ToTuple())
    let crowd =
        lazy (Research.Core.Data.SyntheticCrowd.Load(syntheticCrowdOptions cfg, cfg.Data.SyntheticCrowd.CacheDir, coreBox cfg.Data.SyntheticCrowd.Box).ToTuple())
    let onError skip = if skip then OnDataError.Skip else OnDataError.Fail
    // The readers' lines come prefixed already ("warning: FILE: ..."; the skip summary "FILE: skipped ...").
    let warn = Action<string>(fun w -> eprintfn "%s" w)
    let split (pair: Lazy<CocoDataset * CocoDataset>) isTrain = if isTrain then fst pair.Value else snd pair.Value
    // Generate before reading user files, in source order, so progress lines come first.
    if List.contains Synthetic sources then synthetic.Force() |> ignore
    if List.contains DataSource.SyntheticCrowd sources then crowd.Force() |> ignore
    let pick source isTrain =
        match source with
        | Synthetic -> split synthetic isTrain
        | SyntheticCrowd -> split crowd isTrain
        | Coco(images, annotations, skip) ->
            CocoDataset.Load(annotations, images, CocoLoadOptions(OnError = onError skip, Warn = warn))
        | CrowdHuman(images, annotations, box, skip) ->
            CrowdHumanDataset.Load(annotations, images, CrowdHumanLoadOptions(Box = coreBox box, OnError = onError skip, Warn = warn))
        | SyntheticSequences
        | Sequences _ ->
            invalidArg (if isTrain then "data.train" else "data.val") "tracking sequences need task: tracking (detection reads kind synthetic, coco, synthetic_crowd or crowdhuman)"
    pick cfg.Data.Train true, pick cfg.Data.Val false

/// How crowded the data is (Research.Core.Data.CrowdStatistics) when a split is CrowdHuman-like, for the log.
let crowdSummary (cfg: ExperimentConfig) (train: CocoDataset) (valSet: CocoDataset) : string option =
    let isCrowd source = match source with SyntheticCrowd | CrowdHuman _ -> true | _ -> false
    if isCrowd cfg.Data.Train || isCrowd cfg.Data.Val then
        Some(sprintf "crowd: train %s; val %s" ((CrowdStatistics.Of train).Summary()) ((CrowdStatistics.Of valSet).Summary()))
    else None

/// The input pipeline settings of a run.
let inputOptions (cfg: ExperimentConfig) : InputOptions =
    let i = cfg.Input
    InputOptions(
        MinSizeTrain = (i.MinSizeTrain |> List.toArray), MaxSizeTrain = i.MaxSizeTrain,
        MinSizeTest = i.MinSizeTest, MaxSizeTest = i.MaxSizeTest,
        PixelMean = (i.PixelMean |> List.toArray), PixelStd = (i.PixelStd |> List.toArray),
        Flip = i.Flip, Format = (match i.Format with Rgb -> ChannelOrder.Rgb | Bgr -> ChannelOrder.Bgr),
        SizeDivisibility = i.SizeDivisibility)

/// The post-processing settings of `model.test` (optionally with another NMS threshold).
let inferenceSettings (t: TestSettings) (nms: float) =
    InferenceSettings(ScoreThresh = t.ScoreThresh, TopkCandidates = t.TopkCandidates, NmsThresh = nms, DetectionsPerImage = t.DetectionsPerImage)

/// The Core name of a norm kind (Research.Core.Modeling.Backbone.Norm).
let private coreNorm (n: NormKind) =
    match n with
    | FrozenBN -> Norm.FrozenBN
    | BN -> Norm.BN
    | GN -> Norm.GN
    | NoNorm -> Norm.None

/// Builds the detector of a config (the one place config maps to modules): backbone, head, assignment, losses,
/// post-processing and input normalisation. Detection batches carry raw pixels, so the detector normalises with
/// `input.pixel_mean/std`; tracking crops are cut from frames normalised before cropping (FrameNormalization), so
/// a tracking detector takes them as they are.
let buildModel (cfg: ExperimentConfig) : DenseDetector =
    let m = cfg.Model
    let b = m.Backbone
    let backbone =
        ResNetFpnBuilder.Build(
            depth = b.Depth, norm = coreNorm b.Norm, freezeAt = b.FreezeAt, strideInOneByOne = b.StrideIn1x1,
            stemOutChannels = b.StemOutChannels, res2OutChannels = Nullable b.Res2OutChannels,
            widthPerGroup = b.WidthPerGroup, numGroups = b.NumGroups,
            outChannels = m.Fpn.OutChannels, fpnNorm = coreNorm m.Fpn.Norm,
            topLevels = m.Fpn.TopLevel - 5)
    try b.Weights |> Option.iter (ModelWeights.loadBackbone cfg backbone)
    with _ ->
        backbone.Dispose()
        reraise ()
    let f = m.Filter
    let normalization =
        match cfg.Task with
        | Detection -> Some(PixelNormalization(cfg.Input.PixelMean |> List.map float32 |> Array.ofList, cfg.Input.PixelStd |> List.map float32 |> Array.ofList))
        | Tracking -> None
    let head = HeadOptions(NumConvs = m.Head.NumConvs, PriorProb = m.Head.PriorProb, Norm = (if m.Head.Norm = GN then HeadNorm.GroupNorm else HeadNorm.None))
    let model =
        match m.Assignment with
        | Fcos
        | Atss ->
            new Fcos(
                backbone, m.NumClasses,
                rule = (if m.Assignment = Atss then OneToManyRule.Atss else OneToManyRule.Fcos),
                centerness = defaultArg m.Head.Centerness true,
                head = head,
                inference = inferenceSettings m.Test m.Test.NmsThresh,
                fcos = FcosOptions(CenterSamplingRadius = m.Fcos.CenterSamplingRadius, SizeBounds = (m.Fcos.SizeBounds |> Array.ofList), RegWeight = m.Fcos.RegWeight),
                atss = AtssOptions(AnchorScale = m.Atss.AnchorScale, TopK = m.Atss.Topk, RegWeight = m.Atss.RegWeight),
                focalAlpha = m.Loss.FocalAlpha, focalGamma = m.Loss.FocalGamma,
                normalization = Option.toObj normalization, sizeDivisibility = cfg.Input.SizeDivisibility,
                ignoreRegions = (cfg.Input.IgnoreRegions = Ignore))
            :> DenseDetector
        | _ ->
            new Defcn(
                backbone, m.NumClasses,
                head = head,
                filter = FilterOptions(Enabled = f.Enabled, KernelSize = f.KernelSize, Tau = f.Tau, UseNorm = (f.Norm = GN)),
                inference = inferenceSettings m.Test m.Test.NmsThresh,
                center = CenterRuleAssigner.RangesFromBounds(m.Center.SizeBounds |> Array.ofList),
                centerTopK = m.Center.DistanceTopk,
                anchorSizes = (m.Anchor.Sizes |> Array.ofList),
                poto = PotoOptions(Alpha = m.Poto.Alpha, CenterSamplingRadius = m.Poto.CenterSamplingRadius, AuxTopK = m.Poto.AuxTopk,
                                   Rule = (match m.Assignment with
                                           | PotoArgmax -> OneToOneRule.PotoArgmax
                                           | ForegroundLoss -> OneToOneRule.ForegroundLoss
                                           | Center -> OneToOneRule.Center
                                           | Anchor -> OneToOneRule.Anchor
                                           | _ -> OneToOneRule.Poto)),
                loss = DefcnLossOptions(FocalAlpha = m.Loss.FocalAlpha, FocalGamma = m.Loss.FocalGamma, RegWeight = m.Loss.RegWeight),
                auxiliaryLoss = m.Loss.Aux, normalization = Option.toObj normalization, sizeDivisibility = cfg.Input.SizeDivisibility,
                ignoreRegions = (cfg.Input.IgnoreRegions = Ignore))
            :> DenseDetector
    try
        m.Weights |> Option.iter (ModelWeights.loadModel cfg model)
        model
    with _ ->
        model.Dispose()
        reraise ()

/// Where a run writes: `output.dir/<run name>` (a sweep child's name, else the config's `name`), with
/// characters that are not safe in a folder name replaced.
let outputFolder (cfg: ExperimentConfig) (runName: string option) =
    let name = defaultArg runName cfg.Name
    let safe = String(name |> Seq.map (fun c -> if Char.IsLetterOrDigit c || c = '-' || c = '_' || c = '.' || c = '=' then c else '_') |> Array.ofSeq)
    Path.GetFullPath(Path.Combine(cfg.OutputDir, safe))

/// The evaluation variants of a run: `bbox/` with `model.test` (no NMS in DeFCN), and `bbox_nms/` with
/// `eval.compare_nms_thresh` when set.
let evaluationVariants (cfg: ExperimentConfig) =
    [ yield EvaluationVariant("bbox/", inferenceSettings cfg.Model.Test cfg.Model.Test.NmsThresh)
      match cfg.Eval.CompareNmsThresh with
      | Some t -> yield EvaluationVariant("bbox_nms/", inferenceSettings cfg.Model.Test t)
      | None -> () ]

let private solverOptions (s: SolverSettings) =
    SolverOptions(s.BaseLr, s.Momentum, s.WeightDecay, s.WeightDecayNorm, ClipGradNorm = Option.toNullable s.ClipGradients,
                  IsNormModule = (fun m -> m :? FrozenBatchNorm2d))

let private schedule (s: SolverSettings) =
    LrSchedule(
        int64 s.MaxIter,
        (match s.LrSchedule with
         | Step -> LrScheduleKind.MultiStep
         | Cosine -> LrScheduleKind.Cosine),
        (s.Steps |> List.map int64 |> Array.ofList),
        s.Gamma, int64 s.WarmupIters, s.WarmupFactor)

/// Sets `threads` and returns the torch device of `device: auto | cpu | cuda`.
let applyRuntime (cfg: ExperimentConfig) =
    TorchRuntime.SetThreads cfg.Threads
    TorchRuntime.ResolveDevice(
        match cfg.Device with
        | Auto -> "auto"
        | Cpu -> "cpu"
        | Cuda -> "cuda")

/// True for the exit code of a run stopped by a signal (130 SIGINT, 143 SIGTERM, 138 SIGUSR1).
let isStopExitCode (code: int) = StopSignals.IsStopExitCode code

/// Trains, evaluates and tracks a resolved config; `tracker` receives the run (a child run when
/// `parent` is given). SIGINT, SIGTERM and SIGUSR1 stop training at the next iteration with a checkpoint and
/// end the run KILLED (exit 128 + the signal's number); a second signal aborts at once. Returns the exit
/// code and the run id.
let execute (resolved: ResolvedConfig) (tracker: MlflowTracker) (parentRunId: string option) (runName: string option) (extraTags: (string * string) list) : int * string option =
    let cfg = resolved.Config
    // Signals first: from here on, a stop request is honoured at the next iteration boundary.
    use stop = new StopSignals()
    let device = applyRuntime cfg
    let folder = outputFolder cfg runName
    Directory.CreateDirectory folder |> ignore
    let configFile = Path.Combine(folder, "config.yaml")
    File.WriteAllText(configFile, Config.toYaml resolved)
    // The run starts before data and model are built, so a child whose data or weights fail is recorded
    // as a FAILED run (not silently missing from its sweep).
    let run = RunReopening.openRun resolved tracker parentRunId runName extraTags folder
    stop.AbortAction <- Action<string>(fun _ -> run.EndWithin(RunStatus.Killed, TimeSpan.FromSeconds 5.0))
    // A full disk under the tracking store stops training like a signal: nothing logged after it is kept.
    // Evaluations stop between batches too (the checkpoint then says the evaluation is still due).
    use stopOrFull = System.Threading.CancellationTokenSource.CreateLinkedTokenSource(stop.Token, run.OutOfSpaceToken)
    try
        RunReopening.logConfigParams run resolved
        run.LogArtifact(configFile, "config")
        if not resolved.Overrides.IsEmpty then
            run.LogText(String.Join(Environment.NewLine, resolved.Overrides), "config/overrides.txt")
        Seeding.Apply(int64 cfg.Seed)
        use model = buildModel cfg
        model.``to``(device) |> ignore
        let dataSeed = Seeding.Derive(int64 cfg.Seed, "data")
        // The task decides the batches and the evaluation; model, loss and trainer are the same.
        let data, evaluate =
            match cfg.Task with
            | Detection ->
                let train, valSet = loadData cfg
                eprintfn "%s" (ModelDescription.describe cfg model train valSet)
                crowdSummary cfg train valSet |> Option.iter (eprintfn "%s")
                let input = inputOptions cfg
                let data = new TrainBatchSource(train, input, cfg.Solver.BatchSize, dataSeed) :> IBatchSource
                let evaluator =
                    DetectionValidation(valSet, input, cfg.Solver.BatchSize, evaluationVariants cfg, cfg.Eval.VisImages,
                                        cfg.Eval.VisScoreThresh, drawAssignment = true)
                let evaluate (iteration: int64) =
                    let dir = Path.Combine(folder, "eval", sprintf "iter_%07d" iteration)
                    let report = evaluator.Evaluate(model, dir, cancellationToken = stopOrFull.Token)
                    run.LogArtifact(dir, sprintf "eval/iter_%07d" iteration)
                    report.Metrics
                data, evaluate
            | Tracking ->
                let train, valSet = TrackingMode.loadSequences cfg
                eprintfn "%s" (ModelDescription.describeModel cfg model + sprintf "; tracking: train %s, val %s" (TrackingMode.describeSet train) (TrackingMode.describeSet valSet))
                if cfg.Data.Val = SyntheticSequences then
                    let folder = Path.GetDirectoryName(Path.GetFullPath valSet[0].Directory)
                    eprintfn "val sequences: %s (after training: dotnet fsi scripts/track.fsx %s %s)" folder resolved.Path folder
                let data = TrackingMode.batchSource cfg train dataSeed
                let evaluator = TrackingMode.evaluator cfg valSet
                let evaluate (iteration: int64) =
                    let dir = Path.Combine(folder, "eval", sprintf "iter_%07d" iteration)
                    let report = evaluator.Evaluate(model, dir, cancellationToken = stopOrFull.Token)
                    eprintfn "tracking at iteration %d on %d val sequences: %s" iteration valSet.Length (TrackingMode.summary report.Metrics)
                    run.LogArtifact(dir, sprintf "eval/iter_%07d" iteration)
                    report.Metrics
                data, evaluate
        use data = data
        let printHeadline (metrics: IReadOnlyDictionary<string, float>) =
            let headline (key: string) = key.EndsWith "/AP50" || key.EndsWith "/AP" || key.EndsWith "/mMR" || key.EndsWith "/recall" || key.EndsWith "/success_auc" || key.EndsWith "/precision_20"
            let line = metrics |> Seq.filter (fun kv -> headline kv.Key) |> Seq.map (fun kv -> sprintf "%s %.4f" kv.Key kv.Value)
            eprintfn "%s: %s" cfg.Name (String.Join(", ", line))
        if cfg.Solver.MaxIter = 0 then
            // An evaluation-only run (validation requires model.weights): the loaded model, evaluated as training would
            // evaluate it, the metrics logged at step 0.
            eprintfn "solver.max_iter = 0: evaluating model.weights %s without training" (defaultArg cfg.Model.Weights "")
            try
                let metrics = evaluate 0L
                if metrics.Count > 0 then run.LogMetrics(0L, metrics)
                printHeadline metrics
                run.End(RunStatus.Finished)
                0, Some run.RunId
            with :? OperationCanceledException when stopOrFull.IsCancellationRequested ->
                eprintfn "%s: stopped during the evaluation; MLflow run %s ended KILLED." (defaultArg (Option.ofObj stop.Received) "stop") run.RunId
                run.End(RunStatus.Killed)
                (if stop.ExitCode <> 0 then stop.ExitCode else 130), Some run.RunId
        else
            let checkpoints =
                CheckpointOptions(Path.Combine(folder, "checkpoints"), int64 cfg.Solver.CheckpointPeriod, cfg.Solver.CheckpointKeep,
                                  (if cfg.Resume then "auto" else "never"))
            use trainer =
                new Trainer(model, DetectorLossFunction.For(model), data, run, solverOptions cfg.Solver, schedule cfg.Solver,
                            checkpoints, LoggingOptions(MetricsPeriod = int64 cfg.Tracking.LogPeriod, PrintPeriod = int64 cfg.Tracking.LogPeriod),
                            EvaluationOptions(int64 cfg.Eval.Period, Func<_, _>(evaluate)))
            let result = trainer.Run(stopOrFull.Token)
            if run.SkippedMetricPoints > 0L then
                eprintfn "resume: %d metric points the run already held (steps past the checkpoint, from the stopped attempt) were not written again" run.SkippedMetricPoints
            match result.Status with
            | TrainingStatus.Cancelled when stop.Received = null && run.OutOfSpace <> null ->
                eprintfn "error: %s; training stopped at iteration %d with checkpoint %s. Free space, then continue the same run with --resume."
                    run.OutOfSpace result.Iteration (defaultArg (Option.ofObj result.LastCheckpoint) "(none)")
                run.End(RunStatus.Failed)
                1, Some run.RunId
            | TrainingStatus.Cancelled ->
                eprintfn "%s: stopped at iteration %d; checkpoint %s; MLflow run %s ended KILLED. Continue it with --resume."
                    (defaultArg (Option.ofObj stop.Received) "stop") result.Iteration (defaultArg (Option.ofObj result.LastCheckpoint) "(none)") run.RunId
                run.End(RunStatus.Killed)
                (if stop.ExitCode <> 0 then stop.ExitCode else 130), Some run.RunId
            | _ ->
                match result.LastEvaluation with
                | null -> ()
                | metrics -> printHeadline metrics
                run.End(RunStatus.Finished)
                0, Some run.RunId
    with
    | :? CheckpointWriteException as e ->
        eprintfn "error: %s. Free space, then continue with --resume." e.Message
        run.End(RunStatus.Failed)
        1, Some run.RunId
    | :? TrainingDivergedException as e ->
        eprintfn "error: %s" e.Message
        run.End(RunStatus.Failed)
        1, Some run.RunId
    | _ ->
        run.End(RunStatus.Failed)
        reraise ()

/// Runs `f`, turning the failures a user can cause (bad data, bad settings, missing files) into one
/// `error:` line and exit code 2, and anything else into one line and exit code 1 — never a stack trace
/// (set RESEARCH_DEBUG=1 to see it).
let guarded (f: unit -> int) : int =
    let debug = Environment.GetEnvironmentVariable "RESEARCH_DEBUG" = "1"
    try
        f ()
    with e ->
        // Input a user can fix exits 2; anything else (an index or range error included: that is a bug of
        // ours, not a bad setting) exits 1. The stack trace only on request.
        let userError =
            match e with
            | :? ArgumentOutOfRangeException -> false
            | :? DatasetException
            | :? InvalidDataException
            | :? ArgumentException
            | :? FileNotFoundException
            | :? DirectoryNotFoundException
            | :? WeightLoadException -> true
            | _ -> false
        eprintfn "error: %s" e.Message
        if debug then eprintfn "%O" e
        elif not userError then eprintfn "(set RESEARCH_DEBUG=1 for the stack trace)"
        if userError then ConfigError.ExitCode else 1

/// `run`: arguments after the command.
let main (argv: string[]) : int =
    ScriptArgs.handle ScriptArgs.runUsage (ScriptArgs.parseRun (List.ofArray argv)) (fun opts ->
        match Config.load opts.ConfigPath opts.Overrides with
        | Error e -> ConfigError.report e
        | Ok resolved when opts.PrintConfig ->
            printf "%s" (Config.toYaml resolved)
            0
        | Ok resolved when opts.DryRun ->
            guarded (fun () ->
                let cfg = resolved.Config
                Seeding.Apply(int64 cfg.Seed)
                use model = buildModel cfg
                match cfg.Task with
                | Detection ->
                    let train, valSet = loadData cfg
                    printfn "%s" (ModelDescription.describe cfg model train valSet)
                    crowdSummary cfg train valSet |> Option.iter (printfn "%s")
                | Tracking ->
                    let train, valSet = TrackingMode.loadSequences cfg
                    printfn "%s; tracking: train %s, val %s" (ModelDescription.describeModel cfg model) (TrackingMode.describeSet train) (TrackingMode.describeSet valSet)
                printfn "dry run: config, data and model are valid; nothing was trained or tracked."
                0)
        | Ok resolved ->
            guarded (fun () ->
                use tracker = MlflowTracker.FromEnvironment(resolved.Config.Tracking.Uri)
                // A run attached to a parent is a sweep child (a Slurm array task): tag it like the in-process ones.
                let tags = if opts.ParentRunId.IsSome then [ "research.sweep", "child" ] else []
                // A sweep child or a requeued Slurm job whose earlier attempt did not finish continues it.
                let requeued = match Environment.GetEnvironmentVariable "SLURM_RESTART_COUNT" with | null | "" | "0" -> false | _ -> true
                let resolved =
                    let folder = outputFolder resolved.Config opts.RunName
                    if not resolved.Config.Resume && (opts.ParentRunId.IsSome || requeued) then
                        match RunReopening.unfinishedRunOf tracker folder with
                        | Some runId ->
                            eprintfn "resume: %s holds the unfinished run %s%s; continuing it" folder runId (if requeued then " (requeued Slurm job)" else "")
                            { resolved with Config = { resolved.Config with Resume = true } }
                        | None -> resolved
                    else resolved
                fst (execute resolved tracker opts.ParentRunId opts.RunName tags)))
