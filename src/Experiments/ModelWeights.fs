/// The weight files a config names, loaded into the model it builds: ImageNet backbones (`model.backbone.weights`:
/// torchvision, Caffe2 / MSRA, cvpods), whole detectors (`model.weights`, and the `--checkpoint` of evaluate, predict
/// and track: our .ckpt, official model_final.pth, .safetensors, .pth), strict unless the `*_strict` key says otherwise.
module Research.Experiments.ModelWeights

open System
open Research.Core.Data
open Research.Core.Detectors
open Research.Core.Modeling.Weights
open Research.Core.Training

/// The advice line of a strict load that failed, naming the config key that relaxes it.
let private strictHint (key: string) =
    sprintf "Fix the file or the model settings, or set %s_strict: false to load what matches and warn about the rest." key

/// What a weight load reports: the differences a non-strict load accepted (one warning line each), then one line of
/// what loaded, ignored and kept.
let private printLoad (key: string) (path: string) (what: string) (report: WeightLoadReport) =
    for w in report.Warnings do eprintfn "warning: %s: %s" key w
    eprintfn "%s: %s from %s (%s)" key report.Summary path what

/// The checks of ImageNet weights of a known convention (torchvision, MSRA) against the config. The bottleneck stride
/// must sit where the weights had it: the keys and shapes do not show it, so the weights would load into a different
/// network — refused (exit 2). Input format and pixel statistics that clearly differ from the weights' make a warning:
/// the network then sees inputs the weights were not trained on. Returns the warning, if any.
let private conventionWarning (cfg: ExperimentConfig) (path: string) (convention: PretrainedConvention) : string option =
    let b = cfg.Model.Backbone
    let where (inOneByOne: bool) = if inOneByOne then "first 1x1" else "3x3"
    if b.Depth >= 50 && b.StrideIn1x1 <> convention.StrideInOneByOne then
        raise (
            ArgumentException(
                sprintf "model.backbone.stride_in_1x1 = %b, but %s holds %s weights, whose bottleneck blocks have their stride in the %s conv: they would load, into a different network. Set model.backbone.stride_in_1x1: %b."
                    b.StrideIn1x1 path convention.Name (where convention.StrideInOneByOne) convention.StrideInOneByOne))
    let i = cfg.Input
    let format = match i.Format with Rgb -> ChannelOrder.Rgb | Bgr -> ChannelOrder.Bgr
    let differences = convention.InputDifferences(format, List.toArray i.PixelMean, List.toArray i.PixelStd)
    if differences.Count = 0 then None
    else
        let numbers (xs: float seq) = "[" + String.Join(", ", xs |> Seq.map (fun x -> (Math.Round(x, 3)).ToString(Globalization.CultureInfo.InvariantCulture))) + "]"
        let order = if convention.Format = ChannelOrder.Rgb then "RGB" else "BGR"
        Some(
            sprintf "model.backbone.weights: %s holds %s weights, trained on %s input normalised with pixel_mean %s and pixel_std %s (0-255 scale); the config has %s. They load, but the network sees inputs they were not trained on: set input.format: %s, input.pixel_mean: %s, input.pixel_std: %s (README \"Weights\")."
                path convention.Name order (numbers convention.PixelMean) (numbers convention.PixelStd) (String.Join("; ", differences))
                order (numbers convention.PixelMean) (numbers convention.PixelStd))

/// Initialises the backbone from `model.backbone.weights` (Research.Core BackboneWeights: torchvision, Caffe2 / MSRA and
/// cvpods names; a bare ResNet, ResNet + FPN or a whole detector's backbone.*), strict unless
/// `model.backbone.weights_strict: false`, then checks the weights' convention against the config.
let loadBackbone (cfg: ExperimentConfig) (backbone: TorchSharp.torch.nn.Module) (path: string) =
    let key = "model.backbone.weights"
    let loaded = BackboneWeights.Load(backbone, path, cfg.Model.Backbone.WeightsStrict, strictHint key)
    printLoad key path (sprintf "%s into the %s" loaded.NamingDescription loaded.Target) loaded.Report
    match loaded.Convention with
    | null -> ()
    | convention -> conventionWarning cfg path convention |> Option.iter (eprintfn "warning: %s")

/// Loads `model.weights` into the whole detector (Research.Core.Training.DetectorWeights: official model_final.pth,
/// our .ckpt, .safetensors, .pth), strict unless `model.weights_strict: false`.
let loadModel (cfg: ExperimentConfig) (model: DenseDetector) (path: string) =
    let key = "model.weights"
    let loaded = DetectorWeights.Load(model, path, cfg.Model.WeightsStrict, strictHint key)
    let iteration = if loaded.Iteration.HasValue then sprintf ", iteration %d" loaded.Iteration.Value else ""
    printLoad key path (sprintf "%A file%s" loaded.Format iteration) loaded.Report

/// Loads a command's `--checkpoint` (any whole-detector file) into `model`, strict unless `model.weights_strict: false`;
/// `purpose` ends the advice of a failed strict load ("... pass model.weights_strict=false to PURPOSE."). Prints the
/// differences a non-strict load accepted.
let loadCheckpoint (cfg: ExperimentConfig) (model: TorchSharp.torch.nn.Module) (path: string) (purpose: string) : DetectorWeightsReport =
    let loaded =
        DetectorWeights.Load(model, path, cfg.Model.WeightsStrict,
                             sprintf "Fix the file or the model settings (the config must describe the network the weights are for), or pass model.weights_strict=false to %s." purpose)
    for w in loaded.Report.Warnings do eprintfn "warning: --checkpoint: %s" w
    loaded
