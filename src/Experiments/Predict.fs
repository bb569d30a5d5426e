/// `predict CONFIG --checkpoint PATH IMAGES...|FOLDER [--output DIR] [--score-thresh T] [overrides]`: a trained detector
/// on image files and folders — each image alone through the evaluation path (resize to input.min_size_test /
/// max_size_test, the detector's model.test post-processing: no NMS in DeFCN configs, class-wise NMS in FCOS/ATSS ones) —
/// writing COCO results, an id → image sidecar, one drawn picture per image and, for crowd configs, a CrowdHuman
/// dt .odgt. The network runs behind Research.Core.Prediction.IImagePredictor, so another runtime can take its place.
module Research.Experiments.Predict

open System
open System.Diagnostics
open System.IO
open Research.Core.Data
open Research.Core.Prediction
open Research.Core.Training
open TorchSharp

/// True for a config whose val data is CrowdHuman-like (kind crowdhuman or synthetic_crowd) with one class, person:
/// predict then also writes detections.odgt for the CrowdHuman evaluator.
let isCrowd (cfg: ExperimentConfig) =
    cfg.Model.NumClasses = 1
    && (match cfg.Data.Val with
        | SyntheticCrowd
        | CrowdHuman _ -> true
        | _ -> false)

/// The classes of a config's detector in class order, with the category ids and names of its data (data.val): the
/// generated shapes (ids 1..K), person (id 1) for crowd data, or the categories of a COCO annotation file. When that
/// file is not there (weights taken elsewhere without the data) ids are class + 1, with a warning on `warn`.
let categoriesOf (cfg: ExperimentConfig) (warn: string -> unit) : CocoCategory list =
    let k = cfg.Model.NumClasses
    let numbered (names: int -> string) = [ for c in 0 .. k - 1 -> CocoCategory(int64 (c + 1), names c, c) ]
    let fill (known: CocoCategory list) =
        // Classes of the model beyond the data's (model.num_classes may exceed data.synthetic.num_classes) get numbers.
        known @ [ for c in known.Length .. k - 1 -> CocoCategory(int64 (c + 1), sprintf "class %d" (c + 1), c) ]
    match cfg.Data.Val with
    | Synthetic ->
        let n = min k cfg.Data.Synthetic.NumClasses
        fill (SyntheticDataset.Categories n |> List.ofSeq)
    | SyntheticCrowd
    | CrowdHuman _ -> fill [ CrowdHumanDataset.Person ]
    | Coco(_, annotations, _) when File.Exists annotations ->
        let categories = CocoDataset.LoadCategories annotations |> List.ofSeq
        if categories.Length <> k then
            raise (ArgumentException(sprintf "model.num_classes = %d, but data.val.annotations %s has %d categories: the detector's classes cannot be named" k annotations categories.Length))
        categories
    | Coco(_, annotations, _) ->
        warn (sprintf "data.val.annotations %s not found: category ids are class + 1 and names 'class N' (give the annotation file for the real ids)" annotations)
        numbered (fun c -> sprintf "class %d" (c + 1))
    | SyntheticSequences
    | Sequences _ -> raise (ArgumentException "predict needs a detection config (task: detection); tracking configs use track.fsx")

/// The post-processing predict applies: `model.test` — no NMS in DeFCN configs (nms_thresh 1.0). The one-to-many
/// baselines (FCOS, ATSS) need NMS: theirs is model.test.nms_thresh when below 1, else eval.compare_nms_thresh (the
/// official 0.6, under which runs log bbox_nms/*), so predict's detections are that variant's.
let inferenceOf (cfg: ExperimentConfig) =
    let t = cfg.Model.Test
    let nms =
        match cfg.Model.Assignment with
        | AssignmentKind.Fcos
        | AssignmentKind.Atss when t.NmsThresh >= 1.0 -> defaultArg cfg.Eval.CompareNmsThresh t.NmsThresh
        | _ -> t.NmsThresh
    Run.inferenceSettings t nms

/// One progress line (stderr): "[i/N] NAME: D detections, S ≥ T (0.12 s)", or the image's one-line error.
let private progressLine (threshold: float) (p: PredictionProgress) =
    match Option.ofObj p.Failure, Option.ofObj p.Prediction with
    | Some failure, _ -> eprintfn "error: %s" failure.Message
    | None, Some prediction ->
        let boxes = prediction.Boxes
        let shown = boxes |> Seq.filter (fun b -> float b.Score >= threshold) |> Seq.length
        eprintfn "[%d/%d] %s: %d detection%s, %d with score >= %g (%.2f s)" p.Done p.Total p.Input.FileName boxes.Count
            (if boxes.Count = 1 then "" else "s") shown threshold p.Seconds
    | None, None -> ()

/// Runs `predictor` over `inputs` and writes the outputs (`categories` in class order; the config decides the crowd
/// .odgt, the picture threshold and the output folder with `args`); returns the exit code (0, or 1 when some images could not be read). Any
/// IImagePredictor fits here: the TorchSharp detector of `execute`, or another runtime of the same model.
let predictWith (cfg: ExperimentConfig) (args: ScriptArgs.PredictArgs) (inputs: Collections.Generic.IReadOnlyList<PredictionInput>)
                (categories: CocoCategory list) (predictor: IImagePredictor) (source: string)
                (settings: Research.Core.Inference.InferenceSettings) : int =
    let threshold = defaultArg args.ScoreThresh cfg.Eval.VisScoreThresh
    let outputDir =
        match args.Output with
        | Some dir -> Path.GetFullPath dir
        | None -> Path.Combine(Run.outputFolder cfg None, "predict")
    let crowd = isCrowd cfg
    eprintfn "%s: %d image%s with %s (%s, %s)" cfg.Name inputs.Count (if inputs.Count = 1 then "" else "s") source predictor.Description
        (if settings.NmsThresh >= 1.0 then "no NMS" else sprintf "class-wise NMS %g" settings.NmsThresh)
    let options =
        PredictionOptions(outputDir, Array.ofList categories, PictureScoreThreshold = threshold, CrowdHumanOdgt = crowd)
    let watch = Stopwatch.StartNew()
    let report = PredictionRunner.Run(predictor, inputs, options, Action<PredictionProgress>(progressLine threshold))
    printfn "predicted %d of %d images (%d detections) in %.1f s; outputs in %s: %s, %s%s, one NAME.png per image"
        report.Images.Count report.Total report.Detections watch.Elapsed.TotalSeconds outputDir PredictionRunner.DetectionsFile
        PredictionRunner.ImagesFile (if crowd then ", " + PredictionRunner.OdgtFile else "")
    if report.Failures.Count > 0 then
        eprintfn "error: %d of %d images could not be read (each named above; listed under \"unreadable\" in %s)"
            report.Failures.Count report.Total (Path.Combine(outputDir, PredictionRunner.ImagesFile))
        1
    else 0

/// Predicts with a resolved config and the TorchSharp detector of `--checkpoint`; returns the exit code.
let execute (resolved: ResolvedConfig) (args: ScriptArgs.PredictArgs) : int =
    let cfg = resolved.Config
    if cfg.Task <> Detection then
        raise (ArgumentException(sprintf "%s has task = tracking; predict needs a detection config (tracking: track.fsx)" resolved.Path))
    if not (File.Exists args.Checkpoint) then
        raise (FileNotFoundException(sprintf "--checkpoint %s: file does not exist" args.Checkpoint, args.Checkpoint))
    // Inputs and classes first: a bad folder or annotation file fails before the model is built.
    let inputs = PredictionInputs.List(args.Inputs, args.Recursive)
    let categories = categoriesOf cfg (fun w -> eprintfn "warning: %s" w)
    let device = Run.applyRuntime cfg
    // The checkpoint holds the whole detector: ImageNet or model.weights files named by the config are not read (they
    // would be overwritten, and need not exist where the model is deployed).
    let build = { cfg with Model = { cfg.Model with Weights = None; Backbone = { cfg.Model.Backbone with Weights = None } } }
    use model = Run.buildModel build
    let loaded = ModelWeights.loadCheckpoint cfg model args.Checkpoint "predict with what loads"
    model.``to``(device) |> ignore
    let settings = inferenceOf cfg
    let what = if loaded.Iteration.HasValue then sprintf "iteration %d" loaded.Iteration.Value else sprintf "%A file" loaded.Format
    predictWith cfg args inputs categories (DetectorImagePredictor(model, Run.inputOptions cfg, settings)) (sprintf "%s (%s)" args.Checkpoint what) settings

/// `predict`: arguments after the command.
let main (argv: string[]) : int =
    ScriptArgs.handle ScriptArgs.predictUsage (ScriptArgs.parsePredict (List.ofArray argv)) (fun args ->
        match Config.load args.ConfigPath args.Overrides with
        | Error e -> ConfigError.report e
        | Ok resolved -> Run.guarded (fun () -> execute resolved args))
