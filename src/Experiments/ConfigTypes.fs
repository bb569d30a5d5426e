/// The typed experiment configuration (DESIGN §9 names, snake_case in YAML ↔ PascalCase here).
namespace Research.Experiments

/// `device:`.
type Device =
    | Auto
    | Cpu
    | Cuda

/// A normalisation layer kind (`model.backbone.norm`, `model.fpn.norm`, `model.head.norm`, `model.filter.norm`;
/// each key accepts the subset its schema lists).
type NormKind =
    /// `FrozenBN`: BatchNorm with fixed statistics and affine parameters (pretrained backbones).
    | FrozenBN
    /// `BN`: trainable BatchNorm (training from scratch).
    | BN
    /// `GN`: GroupNorm with 32 groups.
    | GN
    /// `none`: no normalisation layer.
    | NoNorm

/// `input.format`: the channel order images are decoded to (and pixel_mean/pixel_std are given in).
type ChannelFormat =
    | Bgr
    | Rgb

/// `data.synthetic`: the crowded-shapes generator (Research.Core.Data.SyntheticSceneOptions).
type SyntheticSettings =
    { ImageSize: int
      TrainImages: int
      ValImages: int
      NumClasses: int
      MinObjects: int
      MaxObjects: int
      /// Fraction of the image size.
      MinObjectSize: float
      /// Fraction of the image size.
      MaxObjectSize: float
      CrowdFraction: float
      MinVisibleFraction: float
      /// The dataset's own seed (the same data for every training seed).
      Seed: int
      /// Where generated images are cached (keyed by the settings).
      CacheDir: string }

/// `box` of a CrowdHuman source: which box of each gtbox is the annotation (Research.Core.Data.CrowdHumanBox).
type CrowdBox =
    /// `full`: `fbox`, the full body (the official CrowdHuman setting).
    | FullBox
    /// `visible`: `vbox`, the visible part.
    | VisibleBox
    /// `head`: `hbox`, the head.
    | HeadBox

/// `data.synthetic_crowd`: the embedded crowd preset (Research.Core.Data.SyntheticCrowdOptions), written as
/// CrowdHuman `.odgt` and read back through the CrowdHuman reader.
type SyntheticCrowdSettings =
    { ImageSize: int
      TrainImages: int
      ValImages: int
      MinPeople: int
      MaxPeople: int
      /// Fraction of the image size.
      MinHeight: float
      /// Fraction of the image size.
      MaxHeight: float
      /// Full-box width / height.
      Aspect: float
      /// Centre distance of neighbours in a row or cluster, fraction of the figure width.
      MinSpacing: float
      MaxSpacing: float
      MaxIgnoreRegions: int
      MinVisibleFraction: float
      /// The box the splits are read with (not part of the generated files).
      Box: CrowdBox
      Seed: int
      CacheDir: string }

/// `data.synthetic_sequences`: generated single-object tracking sequences
/// (Research.Core.SingleObjectTracking.SyntheticSequenceSpec); train sequences from `Seed`, val ones from `Seed + 1`.
type SyntheticSequenceSettings =
    { TrainSequences: int
      ValSequences: int
      Frames: int
      Width: int
      Height: int
      /// Pixels (geometric mean of the first box's sides).
      MinTargetSize: float
      MaxTargetSize: float
      /// Pixels per frame.
      MaxSpeed: float
      ScaleAmplitude: float
      Distractors: int
      Occluders: int
      Seed: int
      CacheDir: string }

/// `data.train` / `data.val`.
type DataSource =
    /// `{kind: synthetic}`: the split of the generated set.
    | Synthetic
    /// `{kind: coco, images: DIR, annotations: FILE, on_error: fail|skip}`.
    | Coco of images: string * annotations: string * skipBadEntries: bool
    /// `{kind: crowdhuman, images: DIR, annotations: FILE.odgt, box: full|visible|head, on_error: fail|skip}`.
    | CrowdHuman of images: string * annotations: string * box: CrowdBox * skipBadEntries: bool
    /// `{kind: synthetic_crowd}`: the split of the generated crowd preset.
    | SyntheticCrowd
    /// `{kind: synthetic_sequences}`: the split of the generated tracking sequences (task: tracking).
    | SyntheticSequences
    /// `{kind: sequences, dir: DIR}`: one sequence folder or a folder of them (task: tracking).
    | Sequences of dir: string

/// `data`.
type DataSettings =
    { Train: DataSource
      Val: DataSource
      Synthetic: SyntheticSettings
      SyntheticCrowd: SyntheticCrowdSettings
      SyntheticSequences: SyntheticSequenceSettings }

/// `input.ignore_regions`: how training treats ignore regions (COCO `iscrowd`, CrowdHuman `extra.ignore`).
type IgnoreRegionMode =
    /// `background`: dropped before assignment, so the shifts inside them train as background (the official
    /// CrowdHuman models, and cvpods on COCO).
    | Background
    /// `ignore`: the shifts inside them get label −1 (no classification loss). The ignore boxes reach the
    /// assignment as DetectionTarget.IgnoreBoxes; the rules read them once this mode is wired to them.
    | Ignore

/// `input`.
type InputSettings =
    { MinSizeTrain: int list
      MaxSizeTrain: int
      MinSizeTest: int
      MaxSizeTest: int
      /// In `Format` channel order, 0–255 scale.
      PixelMean: float list
      PixelStd: float list
      Format: ChannelFormat
      Flip: bool
      SizeDivisibility: int
      IgnoreRegions: IgnoreRegionMode }

/// `model.backbone`: ResNet (Research.Core ResNetFpnBuilder arguments).
type BackboneSettings =
    { Depth: int
      /// FrozenBN, BN, GN or none.
      Norm: NormKind
      FreezeAt: int
      StrideIn1x1: bool
      StemOutChannels: int
      Res2OutChannels: int
      WidthPerGroup: int
      NumGroups: int
      /// Pretrained weights: torchvision state dicts, MSRA / detectron2 `.pkl`, cvpods-named torch.save / safetensors
      /// (a bare ResNet, ResNet + FPN or a whole detector's backbone.*); None = random init.
      Weights: string option
      /// true: every key must load (else the run fails before training); false: differences are warnings.
      WeightsStrict: bool }

/// `model.fpn`.
type FpnSettings =
    { OutChannels: int
      /// 5 → P3–P5, 6 → P3–P6, 7 → P3–P7 (P6/P7 from P5).
      TopLevel: int
      /// none or GN.
      Norm: NormKind }

/// `model.head`.
type HeadSettings =
    { NumConvs: int
      PriorProb: float
      /// GN or none: the towers' normalisation.
      Norm: NormKind
      /// `auto | true | false`: the FCOS centerness branch; None (auto) = the rule's own (FCOS and ATSS have it, the
      /// one-to-one rules do not); Some false with fcos/atss is the official `wo_ctrness` baseline.
      Centerness: bool option }

/// `model.filter`: 3D Max Filtering (paper §3.3).
type FilterSettings =
    { Enabled: bool
      KernelSize: int
      Tau: int
      /// GN or none: the normalisation inside MaxFiltering ("3dmf_wo_gn" without).
      Norm: NormKind }

/// `model.poto`: prediction-aware one-to-one assignment (paper §3.2) and the auxiliary one-to-many loss.
type PotoSettings = { Alpha: float; CenterSamplingRadius: float; AuxTopk: int }

/// `model.center`: the center rule's constants (official POTO.OBJECT_SIZES_OF_INTEREST, DISTANCE_TOPK).
type CenterSettings =
    { /// Bounds between the levels' size ranges: level l covers [b(l-1), b(l)], from -1 to infinity (one fewer than levels).
      SizeBounds: float list
      /// Nearest shifts per level and GT.
      DistanceTopk: int }

/// `model.fcos`: FCOS's constants (official fcos.res50.fpn.coco.800size.3x_ms).
type FcosSettings =
    { CenterSamplingRadius: float
      /// Bounds between the levels' size ranges (OBJECT_SIZES_OF_INTEREST), as `model.center.size_bounds`.
      SizeBounds: float list
      /// Weight of the GIoU loss (1: the cvpods FCOS has no REG_WEIGHT).
      RegWeight: float }

/// `model.atss`: ATSS's constants (official atss.res50.fpn.crowdhuman.800size.30k).
type AtssSettings = { AnchorScale: float; Topk: int; RegWeight: float }

/// `model.anchor`: the anchor rule's square anchor side per level (official ANCHOR_GENERATOR.SIZES).
type AnchorSettings = { Sizes: float list }

/// `model.loss`.
type LossSettings = { FocalAlpha: float; FocalGamma: float; RegWeight: float; Aux: bool }

/// `model.test`: inference. `NmsThresh = 1.0` means no NMS (the reference's convention).
type TestSettings = { ScoreThresh: float; TopkCandidates: int; NmsThresh: float; DetectionsPerImage: int }

/// `model.assignment`: the rule the detector trains with (paper §3.1 and Table 1): DeFCN's one-to-one rules, or the
/// one-to-many baselines FCOS and ATSS (with NMS at inference).
type AssignmentKind =
    /// `poto`: prediction-aware one-to-one, Hungarian matching (DeFCN).
    | Poto
    /// `poto_argmax`: the same quality, each GT takes its best shift (official poto...argmax).
    | PotoArgmax
    /// `loss`: Hungarian matching on each pair's foreground loss, focal + reg_weight·GIoU (official loss...).
    | ForegroundLoss
    /// `center`: the nearest shift per level within the level's size range (official center...; no predictions).
    | Center
    /// `anchor`: each GT its best-IoU square anchor; the head predicts anchor deltas (official anchor...).
    | Anchor
    /// `fcos`: FCOS, one-to-many with centre sampling and size ranges, centerness, NMS (cvpods FCOS).
    | Fcos
    /// `atss`: ATSS, one-to-many with the adaptive IoU threshold, centerness, NMS (official atss...crowdhuman).
    | Atss

/// `model`.
type ModelSettings =
    { NumClasses: int
      Assignment: AssignmentKind
      /// The whole detector's weights (an official DeFCN / cvpods `model_final.pth`, our `.ckpt`, `.safetensors`,
      /// `.pth`), loaded after the model is built; None = backbone weights / random init.
      Weights: string option
      /// As `model.backbone.weights_strict`, for `model.weights`.
      WeightsStrict: bool
      Backbone: BackboneSettings
      Fpn: FpnSettings
      Head: HeadSettings
      Filter: FilterSettings
      Poto: PotoSettings
      Center: CenterSettings
      Fcos: FcosSettings
      Atss: AtssSettings
      Anchor: AnchorSettings
      Loss: LossSettings
      Test: TestSettings }

/// `solver.lr_schedule`.
type LrDecay =
    /// Multiply by `gamma` at each of `steps`.
    | Step
    /// Cosine from base_lr to 0 at max_iter (after warm-up).
    | Cosine

/// `solver`.
type SolverSettings =
    { BatchSize: int
      BaseLr: float
      Momentum: float
      WeightDecay: float
      /// Weight decay of norm parameters (the reference uses 0 for GN/BN).
      WeightDecayNorm: float
      MaxIter: int
      LrSchedule: LrDecay
      Steps: int list
      Gamma: float
      WarmupIters: int
      WarmupFactor: float
      CheckpointPeriod: int
      /// How many periodic checkpoints to keep (the last one is always kept).
      CheckpointKeep: int
      /// Max global gradient norm when `clip_gradients.enabled`.
      ClipGradients: float option }

/// `eval`.
type EvalSettings =
    { /// Evaluate every `Period` iterations (0: only at the end).
      Period: int
      /// Also evaluate with this NMS threshold (metrics `bbox_nms/*`), None to skip.
      CompareNmsThresh: float option
      /// Number of val images drawn with their detections.
      VisImages: int
      VisScoreThresh: float }

/// `task`: what the detector is trained for.
type TaskKind =
    /// Whole images, COCO evaluation (bbox/AP...).
    | Detection
    /// Single-object tracking: target-centred crops, one class, one-pass evaluation on sequences (ope/...).
    | Tracking

/// `tracker` (task: tracking): training crops and the per-frame update (Research.Core.SingleObjectTracking).
type TrackerSettings =
    { /// Crop side = context · sqrt((w + p)(h + p)), p = (w + h) / 2.
      Context: float
      /// Crop size S in pixels (the detector's input, padded to a multiple of 32).
      CropSize: int
      /// Training labels mostly outside the crop are dropped below this visible fraction.
      MinVisibleFraction: float
      /// Training jitter: crop centre shift up to this fraction of the side, per axis.
      CenterShift: float
      /// Training jitter: side × exp(u · ln(1 + scale_range)), u uniform in [−1, 1].
      ScaleRange: float
      /// Weight of the detected size in the new size (0 keeps the size, 1 takes the detection's).
      SizeUpdateRate: float
      /// Detections below this score are ignored (the box stays).
      MinScore: float
      /// Smallest box side in frame pixels.
      MinSize: float
      /// Frames per PNG strip (0: none).
      StripFrames: int }

/// `tracking`.
type TrackingSettings = { Uri: string; Experiment: string; LogPeriod: int }

/// The whole experiment.
type ExperimentConfig =
    { Name: string
      Seed: int
      Device: Device
      Threads: int
      Resume: bool
      Task: TaskKind
      Data: DataSettings
      Input: InputSettings
      Model: ModelSettings
      Solver: SolverSettings
      Eval: EvalSettings
      Tracker: TrackerSettings
      Tracking: TrackingSettings
      OutputDir: string }
