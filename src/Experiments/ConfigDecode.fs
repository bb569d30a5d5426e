/// Builds the typed config from a tree that already passed the schema check (so every read succeeds).
module Research.Experiments.ConfigDecode

open System
open Research.Experiments.YamlTree

/// Reading typed values by dotted key from a schema-checked tree.
type private Reader(root: Node) =
    member _.Node(key: string) : Node =
        match tryFind (key.Split('.') |> List.ofArray) root with
        | Some n -> n
        | None -> invalidOp (sprintf "schema-checked config lacks '%s'" key)
    member this.Value(key: string) =
        match this.Node key with
        | Scalar(t, q, _) -> interpret t q
        | _ -> invalidOp (sprintf "'%s' is not a scalar" key)
    member this.Text(key: string) : string =
        match this.Node key with
        | Scalar(t, _, _) -> t
        | _ -> invalidOp (sprintf "'%s' is not a scalar" key)
    member this.Int(key: string) : int =
        match this.Value key with
        | VInt i -> int i
        | _ -> invalidOp key
    member this.Float(key: string) : float =
        match this.Value key with
        | VInt i -> float i
        | VFloat f -> f
        | _ -> invalidOp key
    member this.Bool(key: string) : bool =
        match this.Value key with
        | VBool b -> b
        | _ -> invalidOp key
    member this.OptionalText(key: string) : string option =
        match this.Value key with
        | VNull -> None
        | v -> Some(this.Text key)
    member this.OptionalFloat(key: string) : float option =
        match this.Value key with
        | VNull -> None
        | _ -> Some(this.Float key)
    member this.Items(key: string) : Node list =
        match this.Node key with
        | Seq(items, _) -> items
        | _ -> invalidOp key
    member this.Ints(key: string) : int list =
        this.Items key |> List.map (function Scalar(t, q, _) -> (match interpret t q with VInt i -> int i | _ -> invalidOp key) | _ -> invalidOp key)
    member this.Floats(key: string) : float list =
        this.Items key
        |> List.map (function
            | Scalar(t, q, _) -> (match interpret t q with VInt i -> float i | VFloat f -> f | _ -> invalidOp key)
            | _ -> invalidOp key)
    member _.Has(key: string) = (tryFind (key.Split('.') |> List.ofArray) root).IsSome

/// The typed config of a schema-checked tree.
let decode (root: Node) : ExperimentConfig =
    let r = Reader root
    let crowdBox key =
        match r.Text key with
        | "visible" -> VisibleBox
        | "head" -> HeadBox
        | _ -> FullBox
    let sourceAt (prefix: string) =
        let skip () = r.Has(prefix + ".on_error") && r.Text(prefix + ".on_error") = "skip"
        match r.Text(prefix + ".kind") with
        | "coco" -> Coco(r.Text(prefix + ".images"), r.Text(prefix + ".annotations"), skip ())
        | "crowdhuman" ->
            let box = if r.Has(prefix + ".box") then crowdBox (prefix + ".box") else FullBox
            CrowdHuman(r.Text(prefix + ".images"), r.Text(prefix + ".annotations"), box, skip ())
        | "synthetic_crowd" -> SyntheticCrowd
        | "synthetic_sequences" -> SyntheticSequences
        | "sequences" -> Sequences(r.Text(prefix + ".dir"))
        | _ -> Synthetic
    let norm key =
        match r.Text key with
        | "FrozenBN" -> FrozenBN
        | "BN" -> BN
        | "GN" -> GN
        | _ -> NoNorm
    { Name = r.Text "name"
      Seed = r.Int "seed"
      Device =
        match r.Text "device" with
        | "cpu" -> Cpu
        | "cuda" -> Cuda
        | _ -> Auto
      Threads = r.Int "threads"
      Resume = r.Bool "resume"
      Task = (if r.Text "task" = "tracking" then Tracking else Detection)
      Data =
        { Train = sourceAt "data.train"
          Val = sourceAt "data.val"
          Synthetic =
            { ImageSize = r.Int "data.synthetic.image_size"
              TrainImages = r.Int "data.synthetic.train_images"
              ValImages = r.Int "data.synthetic.val_images"
              NumClasses = r.Int "data.synthetic.num_classes"
              MinObjects = r.Int "data.synthetic.min_objects"
              MaxObjects = r.Int "data.synthetic.max_objects"
              MinObjectSize = r.Float "data.synthetic.min_object_size"
              MaxObjectSize = r.Float "data.synthetic.max_object_size"
              CrowdFraction = r.Float "data.synthetic.crowd_fraction"
              MinVisibleFraction = r.Float "data.synthetic.min_visible_fraction"
              Seed = r.Int "data.synthetic.seed"
              CacheDir = r.Text "data.synthetic.cache_dir" }
          SyntheticCrowd =
            { ImageSize = r.Int "data.synthetic_crowd.image_size"
              TrainImages = r.Int "data.synthetic_crowd.train_images"
              ValImages = r.Int "data.synthetic_crowd.val_images"
              MinPeople = r.Int "data.synthetic_crowd.min_people"
              MaxPeople = r.Int "data.synthetic_crowd.max_people"
              MinHeight = r.Float "data.synthetic_crowd.min_height"
              MaxHeight = r.Float "data.synthetic_crowd.max_height"
              Aspect = r.Float "data.synthetic_crowd.aspect"
              MinSpacing = r.Float "data.synthetic_crowd.min_spacing"
              MaxSpacing = r.Float "data.synthetic_crowd.max_spacing"
              MaxIgnoreRegions = r.Int "data.synthetic_crowd.max_ignore_regions"
              MinVisibleFraction = r.Float "data.synthetic_crowd.min_visible_fraction"
              Box = crowdBox "data.synthetic_crowd.box"
              Seed = r.Int "data.synthetic_crowd.seed"
              CacheDir = r.Text "data.synthetic_crowd.cache_dir" }
          SyntheticSequences =
            { TrainSequences = r.Int "data.synthetic_sequences.train_sequences"
              ValSequences = r.Int "data.synthetic_sequences.val_sequences"
              Frames = r.Int "data.synthetic_sequences.frames"
              Width = r.Int "data.synthetic_sequences.width"
              Height = r.Int "data.synthetic_sequences.height"
              MinTargetSize = r.Float "data.synthetic_sequences.min_target_size"
              MaxTargetSize = r.Float "data.synthetic_sequences.max_target_size"
              MaxSpeed = r.Float "data.synthetic_sequences.max_speed"
              ScaleAmplitude = r.Float "data.synthetic_sequences.scale_amplitude"
              Distractors = r.Int "data.synthetic_sequences.distractors"
              Occluders = r.Int "data.synthetic_sequences.occluders"
              Seed = r.Int "data.synthetic_sequences.seed"
              CacheDir = r.Text "data.synthetic_sequences.cache_dir" } }
      Input =
        { MinSizeTrain = r.Ints "input.min_size_train"
          MaxSizeTrain = r.Int "input.max_size_train"
          MinSizeTest = r.Int "input.min_size_test"
          MaxSizeTest = r.Int "input.max_size_test"
          PixelMean = r.Floats "input.pixel_mean"
          PixelStd = r.Floats "input.pixel_std"
          Format = (if r.Text "input.format" = "RGB" then Rgb else Bgr)
          Flip = r.Bool "input.flip"
          SizeDivisibility = r.Int "input.size_divisibility"
          IgnoreRegions = (if r.Text "input.ignore_regions" = "ignore" then Ignore else Background) }
      Model =
        { NumClasses = r.Int "model.num_classes"
          Assignment =
            (match r.Text "model.assignment" with
             | "poto_argmax" -> PotoArgmax
             | "loss" -> ForegroundLoss
             | "center" -> Center
             | "anchor" -> Anchor
             | "fcos" -> Fcos
             | "atss" -> Atss
             | _ -> Poto)
          Weights = r.OptionalText "model.weights"
          WeightsStrict = r.Bool "model.weights_strict"
          Backbone =
            { Depth = r.Int "model.backbone.depth"
              Norm = norm "model.backbone.norm"
              FreezeAt = r.Int "model.backbone.freeze_at"
              StrideIn1x1 = r.Bool "model.backbone.stride_in_1x1"
              StemOutChannels = r.Int "model.backbone.stem_out_channels"
              Res2OutChannels = r.Int "model.backbone.res2_out_channels"
              WidthPerGroup = r.Int "model.backbone.width_per_group"
              NumGroups = r.Int "model.backbone.num_groups"
              Weights = r.OptionalText "model.backbone.weights"
              WeightsStrict = r.Bool "model.backbone.weights_strict" }
          Fpn =
            { OutChannels = r.Int "model.fpn.out_channels"
              TopLevel = r.Int "model.fpn.top_level"
              Norm = norm "model.fpn.norm" }
          Head =
            { NumConvs = r.Int "model.head.num_convs"
              PriorProb = r.Float "model.head.prior_prob"
              Norm = norm "model.head.norm"
              Centerness =
                (match r.Text "model.head.centerness" with
                 | "true" -> Some true
                 | "false" -> Some false
                 | _ -> None) }
          Filter =
            { Enabled = r.Bool "model.filter.enabled"
              KernelSize = r.Int "model.filter.kernel_size"
              Tau = r.Int "model.filter.tau"
              Norm = norm "model.filter.norm" }
          Poto =
            { Alpha = r.Float "model.poto.alpha"
              CenterSamplingRadius = r.Float "model.poto.center_sampling_radius"
              AuxTopk = r.Int "model.poto.aux_topk" }
          Center =
            { SizeBounds = r.Floats "model.center.size_bounds"
              DistanceTopk = r.Int "model.center.distance_topk" }
          Fcos =
            { CenterSamplingRadius = r.Float "model.fcos.center_sampling_radius"
              SizeBounds = r.Floats "model.fcos.size_bounds"
              RegWeight = r.Float "model.fcos.reg_weight" }
          Atss =
            { AnchorScale = r.Float "model.atss.anchor_scale"
              Topk = r.Int "model.atss.topk"
              RegWeight = r.Float "model.atss.reg_weight" }
          Anchor = { Sizes = r.Floats "model.anchor.sizes" }
          Loss =
            { FocalAlpha = r.Float "model.loss.focal_alpha"
              FocalGamma = r.Float "model.loss.focal_gamma"
              RegWeight = r.Float "model.loss.reg_weight"
              Aux = r.Bool "model.loss.aux" }
          Test =
            { ScoreThresh = r.Float "model.test.score_thresh"
              TopkCandidates = r.Int "model.test.topk_candidates"
              NmsThresh = r.Float "model.test.nms_thresh"
              DetectionsPerImage = r.Int "model.test.detections_per_image" } }
      Solver =
        { BatchSize = r.Int "solver.batch_size"
          BaseLr = r.Float "solver.base_lr"
          Momentum = r.Float "solver.momentum"
          WeightDecay = r.Float "solver.weight_decay"
          WeightDecayNorm = r.Float "solver.weight_decay_norm"
          MaxIter = r.Int "solver.max_iter"
          LrSchedule = (if r.Text "solver.lr_schedule" = "cosine" then Cosine else Step)
          Steps = r.Ints "solver.steps"
          Gamma = r.Float "solver.gamma"
          WarmupIters = r.Int "solver.warmup_iters"
          WarmupFactor = r.Float "solver.warmup_factor"
          CheckpointPeriod = r.Int "solver.checkpoint_period"
          CheckpointKeep = r.Int "solver.checkpoint_keep"
          ClipGradients =
            if r.Bool "solver.clip_gradients.enabled" then Some(r.Float "solver.clip_gradients.max_norm") else None }
      Eval =
        { Period = r.Int "eval.period"
          CompareNmsThresh = r.OptionalFloat "eval.compare_nms_thresh"
          VisImages = r.Int "eval.vis_images"
          VisScoreThresh = r.Float "eval.vis_score_thresh" }
      Tracker =
        { Context = r.Float "tracker.context"
          CropSize = r.Int "tracker.crop_size"
          MinVisibleFraction = r.Float "tracker.min_visible_fraction"
          CenterShift = r.Float "tracker.jitter.center_shift"
          ScaleRange = r.Float "tracker.jitter.scale_range"
          SizeUpdateRate = r.Float "tracker.size_update_rate"
          MinScore = r.Float "tracker.min_score"
          MinSize = r.Float "tracker.min_size"
          StripFrames = r.Int "tracker.strip_frames" }
      Tracking =
        { Uri = r.Text "tracking.uri"
          Experiment = r.Text "tracking.experiment"
          LogPeriod = r.Int "tracking.log_period" }
      OutputDir = r.Text "output.dir" }
