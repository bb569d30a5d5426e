/// One-line descriptions of what a config built, for the log and --dry-run.
module Research.Experiments.ModelDescription

open Research.Core.Data
open Research.Core.Detectors

/// What model was built: "NAME: DeFCN R-50, K classes, P M parameters (T M trainable)".
let describeModel (cfg: ExperimentConfig) (model: DenseDetector) =
    let parameters = model.parameters() |> Seq.sumBy (fun p -> p.numel())
    let trainable = model.parameters() |> Seq.filter (fun p -> p.requires_grad) |> Seq.sumBy (fun p -> p.numel())
    let kind =
        match cfg.Model.Assignment with
        | Fcos -> (if cfg.Model.Head.Centerness = Some false then "FCOS w/o centerness" else "FCOS")
        | Atss -> (if cfg.Model.Head.Centerness = Some false then "ATSS w/o centerness" else "ATSS")
        | Poto -> "DeFCN"
        | PotoArgmax -> "DeFCN (POTO argmax)"
        | ForegroundLoss -> "DeFCN (foreground-loss rule)"
        | Center -> "DeFCN (center rule)"
        | Anchor -> "DeFCN (anchor rule)"
    sprintf "%s: %s R-%d, %d class%s, %.2f M parameters (%.2f M trainable)"
        cfg.Name kind cfg.Model.Backbone.Depth cfg.Model.NumClasses (if cfg.Model.NumClasses = 1 then "" else "es") (float parameters / 1e6) (float trainable / 1e6)

/// A summary line of what was built (for --dry-run and the log).
let describe (cfg: ExperimentConfig) (model: DenseDetector) (train: CocoDataset) (valSet: CocoDataset) =
    sprintf "%s; train %d images (%d with targets), val %d images"
        (describeModel cfg model) train.Images.Count train.TrainingImages.Count valSet.Images.Count
