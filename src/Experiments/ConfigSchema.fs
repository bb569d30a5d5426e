/// The allowed keys of an experiment config with their types and ranges (DESIGN §9 plus run settings).
module Research.Experiments.ConfigSchema

open Research.Experiments.Schema

let private odd (x: float) =
    if x >= 1.0 && int x % 2 = 1 then None
    else Some "must be an odd integer >= 1 (an even kernel with padding k/2 shifts the output by one cell)"

let private even (x: float) =
    if x >= 0.0 && int x % 2 = 0 then None
    else Some "must be an even integer >= 0 (odd tau fails in the official code: MaxPool3d depth tau+1 with padding tau//2 loses a level)"

let private probability = Rules.between 0.0 1.0
let private positive = Rules.positive

let private synthetic =
    [ field "image_size" (integer (Rules.atLeast 32.0))
      field "train_images" (integer Rules.positive)
      field "val_images" (integer Rules.positive)
      field "num_classes" (integer (Rules.between 1.0 6.0))
      field "min_objects" (integer (Rules.atLeast 1.0))
      field "max_objects" (integer (Rules.atLeast 1.0))
      field "min_object_size" (real (fun x -> if x > 0.0 && x <= 0.9 then None else Some "must be a fraction of the image size in (0, 0.9]"))
      field "max_object_size" (real (fun x -> if x > 0.0 && x <= 0.9 then None else Some "must be a fraction of the image size in (0, 0.9]"))
      field "crowd_fraction" (real probability)
      field "min_visible_fraction" (real probability)
      field "seed" (integer Rules.nonNegative)
      field "cache_dir" (text Rules.notBlank) ]

let private syntheticSequences =
    [ field "train_sequences" (integer Rules.positive)
      field "val_sequences" (integer Rules.positive)
      field "frames" (integer (Rules.atLeast 2.0))
      field "width" (integer (Rules.atLeast 16.0))
      field "height" (integer (Rules.atLeast 16.0))
      field "min_target_size" (real positive)
      field "max_target_size" (real positive)
      field "max_speed" (real Rules.nonNegative)
      field "scale_amplitude" (real probability)
      field "distractors" (integer Rules.nonNegative)
      field "occluders" (integer Rules.nonNegative)
      field "seed" (integer Rules.nonNegative)
      field "cache_dir" (text Rules.notBlank) ]

let private crowdBoxes = [ "full"; "visible"; "head" ]

let private syntheticCrowd =
    let fraction = real (fun x -> if x > 0.0 && x <= 0.9 then None else Some "must be a fraction of the image size in (0, 0.9]")
    [ field "image_size" (integer (Rules.atLeast 32.0))
      field "train_images" (integer Rules.positive)
      field "val_images" (integer Rules.positive)
      field "min_people" (integer (Rules.atLeast 1.0))
      field "max_people" (integer (Rules.atLeast 1.0))
      field "min_height" fraction
      field "max_height" fraction
      field "aspect" (real (Rules.between 0.2 1.0))
      field "min_spacing" (real positive)
      field "max_spacing" (real (fun x -> if x > 0.0 && x <= 2.0 then None else Some "must be in (0, 2] (figure widths)"))
      field "max_ignore_regions" (integer Rules.nonNegative)
      field "min_visible_fraction" (real probability)
      field "box" (choice crowdBoxes)
      field "seed" (integer Rules.nonNegative)
      field "cache_dir" (text Rules.notBlank) ]

let private kinds = [ "synthetic"; "coco"; "crowdhuman"; "synthetic_crowd"; "synthetic_sequences"; "sequences" ]

let private source =
    Variant(
        "kind",
        [ "synthetic", [ field "kind" (choice kinds) ]
          "coco",
          [ field "kind" (choice kinds)
            field "images" (text Rules.notBlank)
            field "annotations" (text Rules.notBlank)
            optional "on_error" (choice [ "fail"; "skip" ]) ]
          "crowdhuman",
          [ field "kind" (choice kinds)
            field "images" (text Rules.notBlank)
            field "annotations" (text Rules.notBlank)
            optional "box" (choice crowdBoxes)
            optional "on_error" (choice [ "fail"; "skip" ]) ]
          "synthetic_crowd", [ field "kind" (choice kinds) ]
          "synthetic_sequences", [ field "kind" (choice kinds) ]
          "sequences", [ field "kind" (choice kinds); field "dir" (text Rules.notBlank) ] ]
    )

let private tracker =
    [ field "context" (real positive)
      field "crop_size" (integer (Rules.atLeast 32.0))
      field "min_visible_fraction" (real probability)
      field "jitter" (Section [ field "center_shift" (real (Rules.between 0.0 1.0)); field "scale_range" (real Rules.nonNegative) ])
      field "size_update_rate" (real probability)
      field "min_score" (real (fun t -> if t >= 0.0 && t < 1.0 then None else Some "must be in [0, 1)"))
      field "min_size" (real positive)
      field "strip_frames" (integer Rules.nonNegative) ]

let private compareNms (v: YamlTree.ScalarValue) =
    let check (t: float) = if t > 0.0 && t < 1.0 then None else Some "must be in (0, 1) or null"
    match v with
    | YamlTree.VFloat t -> check t
    | YamlTree.VInt i -> check (double i)
    | _ -> None

let private norms = [ "FrozenBN"; "BN"; "GN"; "none" ]

/// The whole schema, top-level fields in print order.
let fields : Field list =
    [ field "name" (text Rules.notBlank)
      field "seed" (integer Rules.nonNegative)
      field "device" (choice [ "auto"; "cpu"; "cuda" ])
      field "threads" (integer Rules.nonNegative)
      field "resume" boolean
      field "task" (choice [ "detection"; "tracking" ])
      field "data" (Section [ field "train" source; field "val" source; field "synthetic" (Section synthetic); field "synthetic_crowd" (Section syntheticCrowd); field "synthetic_sequences" (Section syntheticSequences) ])
      field
          "input"
          (Section
              [ field "min_size_train" (ints positive Rules.nonEmpty)
                field "max_size_train" (integer positive)
                field "min_size_test" (integer positive)
                field "max_size_test" (integer positive)
                field "pixel_mean" (floats Rules.any (Rules.exactly 3))
                field "pixel_std" (floats positive (Rules.exactly 3))
                field "format" (choice [ "BGR"; "RGB" ])
                field "flip" boolean
                field "size_divisibility" (integer positive)
                field "ignore_regions" (choice [ "background"; "ignore" ]) ])
      field
          "model"
          (Section
              [ field "num_classes" (integer positive)
                field "assignment" (choice [ "poto"; "poto_argmax"; "loss"; "center"; "anchor"; "fcos"; "atss" ])
                field "weights" nullableString
                field "weights_strict" boolean
                field
                    "backbone"
                    (Section
                        [ field "depth" (integer (fun d -> if List.contains (int d) [ 18; 34; 50; 101; 152 ] then None else Some "must be one of 18, 34, 50, 101, 152"))
                          field "norm" (choice norms)
                          field "freeze_at" (integer (Rules.between 0.0 5.0))
                          field "stride_in_1x1" boolean
                          field "stem_out_channels" (integer positive)
                          field "res2_out_channels" (integer positive)
                          field "width_per_group" (integer positive)
                          field "num_groups" (integer positive)
                          field "weights" nullableString
                          field "weights_strict" boolean ])
                field
                    "fpn"
                    (Section
                        [ field "out_channels" (integer positive)
                          field "top_level" (integer (fun l -> if l >= 5.0 && l <= 7.0 then None else Some "must be 5 (P3-P5), 6 (P3-P6) or 7 (P3-P7)"))
                          field "norm" (choice [ "none"; "GN" ]) ])
                field "head" (Section [ field "num_convs" (integer Rules.nonNegative); field "prior_prob" (real (fun p -> if p > 0.0 && p < 1.0 then None else Some "must be in (0, 1)")); field "norm" (choice [ "GN"; "none" ]); field "centerness" (choice [ "auto"; "true"; "false" ]) ])
                field "filter" (Section [ field "enabled" boolean; field "kernel_size" (integer odd); field "tau" (integer even); field "norm" (choice [ "GN"; "none" ]) ])
                field "poto" (Section [ field "alpha" (real probability); field "center_sampling_radius" (real positive); field "aux_topk" (integer positive) ])
                field "center" (Section [ field "size_bounds" (floats positive (fun n -> if n >= 1 then None else Some "needs at least one bound")); field "distance_topk" (integer positive) ])
                field "fcos" (Section [ field "center_sampling_radius" (real Rules.nonNegative); field "size_bounds" (floats positive (fun n -> if n >= 1 then None else Some "needs at least one bound")); field "reg_weight" (real Rules.nonNegative) ])
                field "atss" (Section [ field "anchor_scale" (real positive); field "topk" (integer positive); field "reg_weight" (real Rules.nonNegative) ])
                field "anchor" (Section [ field "sizes" (floats positive Rules.nonEmpty) ])
                field "loss" (Section [ field "focal_alpha" (real probability); field "focal_gamma" (real Rules.nonNegative); field "reg_weight" (real Rules.nonNegative); field "aux" boolean ])
                field
                    "test"
                    (Section
                        [ field "score_thresh" (real (fun t -> if t >= 0.0 && t < 1.0 then None else Some "must be in [0, 1)"))
                          field "topk_candidates" (integer positive)
                          field "nms_thresh" (real (fun t -> if t > 0.0 && t <= 1.0 then None else Some "must be in (0, 1] (1.0 means no NMS)"))
                          field "detections_per_image" (integer positive) ]) ])
      field
          "solver"
          (Section
              [ field "batch_size" (integer positive)
                field "base_lr" (real positive)
                field "momentum" (real (fun m -> if m >= 0.0 && m < 1.0 then None else Some "must be in [0, 1)"))
                field "weight_decay" (real Rules.nonNegative)
                field "weight_decay_norm" (real Rules.nonNegative)
                field "max_iter" (integer Rules.nonNegative)
                field "lr_schedule" (choice [ "step"; "cosine" ])
                field "steps" (ints positive Rules.anyLength)
                field "gamma" (real (fun g -> if g > 0.0 && g <= 1.0 then None else Some "must be in (0, 1]"))
                field "warmup_iters" (integer Rules.nonNegative)
                field "warmup_factor" (real (fun f -> if f > 0.0 && f <= 1.0 then None else Some "must be in (0, 1]"))
                field "checkpoint_period" (integer positive)
                field "checkpoint_keep" (integer positive)
                field "clip_gradients" (Section [ field "enabled" boolean; field "max_norm" (real positive) ]) ])
      field
          "eval"
          (Section
              [ field "period" (integer Rules.nonNegative)
                field "compare_nms_thresh" (Value { Kind = KFloat; Nullable = true; Rule = compareNms })
                field "vis_images" (integer Rules.nonNegative)
                field "vis_score_thresh" (real probability) ])
      field "tracker" (Section tracker)
      field "tracking" (Section [ field "uri" (text Rules.notBlank); field "experiment" (text Rules.notBlank); field "log_period" (integer positive) ])
      field "output" (Section [ field "dir" (text Rules.notBlank) ]) ]

/// Every valid dotted key (sections included).
let validKeys : string list = validKeys "" fields
