/// `task: tracking`: the config's sequences, training crops and one-pass evaluation
/// (Research.Core.SingleObjectTracking), the pieces `Run` and `Track` share.
module Research.Experiments.TrackingMode

open System.IO
open Research.Core.Data
open Research.Core.Data.Crops
open Research.Core.SingleObjectTracking

/// The generator settings of `data.synthetic_sequences`.
let syntheticSpec (s: SyntheticSequenceSettings) =
    SyntheticSequenceSpec(
        Seed = s.Seed, Frames = s.Frames, Width = s.Width, Height = s.Height, MinTargetSize = s.MinTargetSize,
        MaxTargetSize = s.MaxTargetSize, MaxSpeed = s.MaxSpeed, ScaleAmplitude = s.ScaleAmplitude,
        Distractors = s.Distractors, Occluders = s.Occluders)

/// Folders of the synthetic sequences (generated and cached on first use): train from `seed`, val from
/// `seed + 1`, each its own set folder, so the val folder can be given to `track` as it is.
let syntheticFolders (s: SyntheticSequenceSettings) : string[] * string[] =
    let ensure (spec: SyntheticSequenceSpec) (count: int) (what: string) =
        let root = Path.Combine(s.CacheDir, sprintf "sot-synthetic-%s" (SyntheticSequenceSet.Key(spec, count)))
        if not (File.Exists(Path.Combine(root, "spec.json"))) then
            eprintfn "generating %d synthetic %s sequences (%d frames of %dx%d) into %s ..." count what s.Frames s.Width s.Height root
        SyntheticSequenceSet.Ensure(s.CacheDir, spec, count) |> Array.ofSeq
    let spec = syntheticSpec s
    ensure spec s.TrainSequences "training", ensure (syntheticSpec { s with Seed = s.Seed + 1 }) s.ValSequences "validation"

/// The train and val sequences of a tracking config (`data.train`, `data.val`).
let loadSequences (cfg: ExperimentConfig) : TrackingSequence[] * TrackingSequence[] =
    let generated = lazy (syntheticFolders cfg.Data.SyntheticSequences)
    let read source isTrain =
        match source with
        | SyntheticSequences ->
            let train, valSet = generated.Force()
            (if isTrain then train else valSet) |> Array.map SequenceFolder.Read
        | Sequences dir -> SequenceFolder.ReadOneOrMany dir |> Array.ofSeq
        | Synthetic
        | SyntheticCrowd
        | Coco _
        | CrowdHuman _ ->
            invalidArg (if isTrain then "data.train" else "data.val") "task: tracking needs sequences (kind synthetic_sequences or sequences)"
    read cfg.Data.Train true, read cfg.Data.Val false

/// The crops of training (`tracker.*`).
let cropSettings (t: TrackerSettings) =
    CropSettings(t.Context, t.CropSize, t.MinVisibleFraction, CropJitter(t.CenterShift, t.ScaleRange))

/// The per-frame update settings (`tracker.*`).
let trackerOptions (t: TrackerSettings) =
    TrackerOptions(Context = t.Context, CropSize = t.CropSize, SizeUpdateRate = t.SizeUpdateRate, MinScore = t.MinScore, MinSize = t.MinSize)

/// The detector's input space (`input.pixel_mean`, `input.pixel_std`, `input.format`).
let normalization (i: InputSettings) =
    FrameNormalization(i.PixelMean |> List.map float32 |> Array.ofList, i.PixelStd |> List.map float32 |> Array.ofList,
                       (i.Format = Bgr))

/// Training batches: jittered crops of random frames of the training sequences.
let batchSource (cfg: ExperimentConfig) (train: TrackingSequence[]) (seed: int64) : IBatchSource =
    new TrackingCropBatchSource(train, cropSettings cfg.Tracker, cfg.Solver.BatchSize, int (seed &&& 0x7FFFFFFFL), normalization cfg.Input)

/// One-pass evaluation of the tracker on sequences.
let evaluator (cfg: ExperimentConfig) (sequences: TrackingSequence[]) =
    TrackingEvaluator(sequences, trackerOptions cfg.Tracker, normalization cfg.Input, cfg.Tracker.StripFrames)

/// "N sequences, F frames".
let describeSet (sequences: TrackingSequence[]) =
    sprintf "%d sequence%s, %d frames" sequences.Length (if sequences.Length = 1 then "" else "s") (sequences |> Array.sumBy (fun s -> s.Count))

/// The OPE summary line of a report's metrics.
let summary (metrics: System.Collections.Generic.IReadOnlyDictionary<string, float>) =
    let get k = match metrics.TryGetValue k with | true, v -> v | _ -> nan
    sprintf "success AUC %.3f, precision@20px %.3f (fixed-box baseline %.3f, %.3f), %.1f fps"
        (get "ope/success_auc") (get "ope/precision_20") (get "ope_baseline/success_auc") (get "ope_baseline/precision_20") (get "ope/fps")

/// The crop the tracker cuts around the first box of a sequence, as a batch of one (images (1, 3, S', S')
/// normalised and zero-padded to a multiple of 32, the target mapped into the crop as its label).
let firstCropBatch (cfg: ExperimentConfig) (sequence: TrackingSequence) : ImageBatch =
    use scope = TorchSharp.torch.NewDisposeScope()
    use raw = sequence.LoadFrame 0
    let frame = (normalization cfg.Input).Apply raw
    let size = cfg.Tracker.CropSize
    let struct (crop, map) = TargetCrop.Around(frame, sequence.GroundTruth[0], cfg.Tracker.Context, size)
    let padded = (size + 31) / 32 * 32
    let images = TorchSharp.torch.nn.functional.pad(crop, [| 0L; int64 (padded - size); 0L; int64 (padded - size) |]).unsqueeze(0L)
    let b = map.FrameToCrop sequence.GroundTruth[0]
    let boxes = TorchSharp.torch.tensor([| float32 b.X1; float32 b.Y1; float32 b.X2; float32 b.Y2 |]).reshape(1L, 4L)
    let classes = TorchSharp.torch.tensor([| 0L |])
    new ImageBatch(images.MoveToOuterDisposeScope(), [| struct (size, size) |], [| struct (size, size) |], [| 0L |],
                   [| new DetectionTarget(boxes.MoveToOuterDisposeScope(), classes.MoveToOuterDisposeScope()) |])
