/// Checks that involve several keys or the file system, run on the typed config after the schema check.
/// Each problem names the dotted key it is reported at (the loader adds that key's file and line).
module Research.Experiments.Validation

open System.IO
open Research.Core.Mlflow

/// One cross-key problem: the key to point at, the message, an optional hint line.
type Problem = { Key: string; Message: string; Hint: string option }

let private problem key message = { Key = key; Message = message; Hint = None }
let private problemWithHint key message hint = { Key = key; Message = message; Hint = Some hint }

let private pathChecks (workDir: string) (prefix: string) (source: DataSource) =
    let imagesAndAnnotations images annotations =
        [ let imagesFull = Path.GetFullPath(Path.Combine(workDir, images))
          if not (Directory.Exists imagesFull) then
              yield problemWithHint (prefix + ".images") (sprintf "%s.images = '%s': directory not found" prefix images) (sprintf "looked at %s" imagesFull)
          let annFull = Path.GetFullPath(Path.Combine(workDir, annotations))
          if not (File.Exists annFull) then
              yield problemWithHint (prefix + ".annotations") (sprintf "%s.annotations = '%s': file not found" prefix annotations) (sprintf "looked at %s" annFull) ]
    match source with
    | Synthetic
    | SyntheticCrowd
    | SyntheticSequences -> []
    | Sequences dir ->
        [ let full = Path.GetFullPath(Path.Combine(workDir, dir))
          if not (Directory.Exists full) then
              yield problemWithHint (prefix + ".dir") (sprintf "%s.dir = '%s': directory not found" prefix dir) (sprintf "looked at %s" full) ]
    | Coco(images, annotations, _)
    | CrowdHuman(images, annotations, _, _) -> imagesAndAnnotations images annotations

/// The ranges of `data.synthetic_crowd` that involve two keys.
let private syntheticCrowdChecks (k: SyntheticCrowdSettings) =
    let key name = "data.synthetic_crowd." + name
    [ if k.MaxPeople < k.MinPeople then
          yield problem (key "max_people") (sprintf "%s = %d is below min_people = %d" (key "max_people") k.MaxPeople k.MinPeople)
      if k.MaxHeight < k.MinHeight then
          yield problem (key "max_height") (sprintf "%s = %g is below min_height = %g" (key "max_height") k.MaxHeight k.MinHeight)
      if k.MinHeight * float k.ImageSize < 8.0 then
          yield problemWithHint (key "min_height") (sprintf "%s = %g gives %.1f px at image_size %d" (key "min_height") k.MinHeight (k.MinHeight * float k.ImageSize) k.ImageSize) "figures must be at least 8 px tall"
      if k.MaxSpacing < k.MinSpacing then
          yield problem (key "max_spacing") (sprintf "%s = %g is below min_spacing = %g" (key "max_spacing") k.MaxSpacing k.MinSpacing) ]

/// Every cross-key problem of a config, in a fixed order. Relative paths are resolved against `workDir`.
let check (workDir: string) (c: ExperimentConfig) : Problem list =
    let s = c.Data.Synthetic
    let usesSynthetic = c.Data.Train = Synthetic || c.Data.Val = Synthetic
    [ yield! pathChecks workDir "data.train" c.Data.Train
      yield! pathChecks workDir "data.val" c.Data.Val
      for key, weights in [ "model.backbone.weights", c.Model.Backbone.Weights; "model.weights", c.Model.Weights ] do
          match weights with
          | Some w when not (File.Exists(Path.Combine(workDir, w))) ->
              yield problemWithHint key (sprintf "%s = '%s': file not found" key w) (sprintf "looked at %s" (Path.GetFullPath(Path.Combine(workDir, w))))
          | _ -> ()
      if c.Model.Weights.IsSome && c.Model.Backbone.Weights.IsSome then
          yield problemWithHint "model.weights"
                    "model.weights and model.backbone.weights are both set: the whole detector's weights would overwrite the backbone's"
                    "keep one: model.weights for a trained detector, model.backbone.weights for ImageNet weights"
      if c.Solver.MaxIter = 0 && c.Model.Weights.IsNone then
          yield problemWithHint "solver.max_iter"
                    "solver.max_iter = 0 evaluates the model without training it, but model.weights is not set (the detector would be untrained)"
                    "set model.weights to a trained detector (model_final.pth, .ckpt, .safetensors), or max_iter > 0"
      let isSequences source = match source with | SyntheticSequences | Sequences _ -> true | _ -> false
      match c.Task with
      | Detection ->
          for prefix, source in [ "data.train", c.Data.Train; "data.val", c.Data.Val ] do
              if isSequences source then
                  yield problemWithHint (prefix + ".kind") (sprintf "%s is a tracking source but task = detection" prefix) "set task: tracking, or use kind synthetic, coco, synthetic_crowd or crowdhuman"
      | Tracking ->
          for prefix, source in [ "data.train", c.Data.Train; "data.val", c.Data.Val ] do
              if not (isSequences source) then
                  yield problemWithHint (prefix + ".kind") (sprintf "task = tracking needs %s of kind synthetic_sequences or sequences" prefix) "{kind: synthetic_sequences} or {kind: sequences, dir: DIR}"
          if c.Model.NumClasses <> 1 then
              yield problemWithHint "model.num_classes" (sprintf "model.num_classes = %d, but tracking trains one class (the target)" c.Model.NumClasses) "set model.num_classes=1"
          let q = c.Data.SyntheticSequences
          if c.Data.Train = SyntheticSequences || c.Data.Val = SyntheticSequences then
              if q.MaxTargetSize < q.MinTargetSize then
                  yield problem "data.synthetic_sequences.max_target_size" (sprintf "data.synthetic_sequences.max_target_size = %g is below min_target_size = %g" q.MaxTargetSize q.MinTargetSize)
              elif q.MaxTargetSize * exp q.ScaleAmplitude * 1.6 >= float (min q.Width q.Height) then
                  yield problemWithHint "data.synthetic_sequences.max_target_size"
                      (sprintf "data.synthetic_sequences.max_target_size = %g at its largest scale (x%.2f) does not fit in the %dx%d frame" q.MaxTargetSize (exp q.ScaleAmplitude) q.Width q.Height)
                      "need max_target_size * exp(scale_amplitude) * 1.6 < min(width, height)"
      // More model classes than data classes only wastes outputs; fewer leaves labels out of range.
      if usesSynthetic && c.Model.NumClasses < s.NumClasses then
          yield problemWithHint "model.num_classes" (sprintf "model.num_classes = %d is below data.synthetic.num_classes = %d" c.Model.NumClasses s.NumClasses) "the model needs an output per class of the data"
      yield! syntheticCrowdChecks c.Data.SyntheticCrowd
      if s.MaxObjects < s.MinObjects then
          yield problem "data.synthetic.max_objects" (sprintf "data.synthetic.max_objects = %d is below min_objects = %d" s.MaxObjects s.MinObjects)
      if s.MaxObjectSize < s.MinObjectSize then
          yield problem "data.synthetic.max_object_size" (sprintf "data.synthetic.max_object_size = %g is below min_object_size = %g" s.MaxObjectSize s.MinObjectSize)
      if s.MinObjectSize * float s.ImageSize < 4.0 then
          yield problemWithHint "data.synthetic.min_object_size" (sprintf "data.synthetic.min_object_size = %g gives %.1f px at image_size %d" s.MinObjectSize (s.MinObjectSize * float s.ImageSize) s.ImageSize) "objects must be at least 4 px"
      match c.Input.MinSizeTrain |> List.tryFind (fun m -> m > c.Input.MaxSizeTrain) with
      | Some m -> yield problem "input.min_size_train" (sprintf "input.min_size_train has %d, above max_size_train = %d" m c.Input.MaxSizeTrain)
      | None -> ()
      if c.Input.MinSizeTest > c.Input.MaxSizeTest then
          yield problem "input.min_size_test" (sprintf "input.min_size_test = %d is above max_size_test = %d" c.Input.MinSizeTest c.Input.MaxSizeTest)
      let groups = 32
      let filterGn = c.Model.Filter.Enabled && c.Model.Filter.Norm = GN
      if (c.Model.Head.Norm = GN || filterGn) && c.Model.Fpn.OutChannels % groups <> 0 then
          let users = [ if c.Model.Head.Norm = GN then "model.head.norm"
                        if filterGn then "model.filter.norm" ]
          yield problemWithHint "model.fpn.out_channels"
                    (sprintf "model.fpn.out_channels = %d is not divisible by the %d GroupNorm groups of the head" c.Model.Fpn.OutChannels groups)
                    (sprintf "use a multiple of 32, or set %s to none" (String.concat " and " users))
      let levels = c.Model.Fpn.TopLevel - 2
      let checkBounds key (bounds: float list) =
          [ if bounds.Length <> levels - 1 then
                yield problemWithHint key
                          (sprintf "%s has %d bounds but the FPN has %d levels (P3-P%d)" key bounds.Length levels c.Model.Fpn.TopLevel)
                          (sprintf "give %d bounds between the levels' size ranges (the reference: [64, 128, 256, 512] for P3-P7)" (levels - 1))
            elif bounds <> List.sort (List.distinct bounds) then
                yield problem key (sprintf "%s = [%s] must be strictly increasing" key (bounds |> List.map string |> String.concat ", ")) ]
      let m = c.Model
      let rule =
          match m.Assignment with
          | Poto -> "poto" | PotoArgmax -> "poto_argmax" | ForegroundLoss -> "loss" | Center -> "center"
          | Anchor -> "anchor" | Fcos -> "fcos" | Atss -> "atss"
      if m.Assignment = Center then yield! checkBounds "model.center.size_bounds" m.Center.SizeBounds
      match m.Assignment with
      | Fcos | Atss ->
          if m.Assignment = Fcos then yield! checkBounds "model.fcos.size_bounds" m.Fcos.SizeBounds
          if m.Filter.Enabled then
              yield problemWithHint "model.filter.enabled"
                        (sprintf "model.filter.enabled = true with model.assignment = %s: the %s baseline has no filter branch (3D Max Filtering belongs to DeFCN's one-to-one head)" rule (rule.ToUpperInvariant()))
                        "set model.filter.enabled: false, or use a one-to-one rule (poto, poto_argmax, loss, center, anchor)"
          if m.Loss.Aux then
              yield problemWithHint "model.loss.aux"
                        (sprintf "model.loss.aux = true with model.assignment = %s: the auxiliary one-to-many loss is DeFCN's; %s is one-to-many already" rule (rule.ToUpperInvariant()))
                        "set model.loss.aux: false"
      | _ ->
          if m.Head.Centerness = Some true then
              yield problemWithHint "model.head.centerness"
                        (sprintf "model.head.centerness = true with model.assignment = %s: only the FCOS and ATSS baselines have a centerness branch" rule)
                        "set model.head.centerness: auto (or false), or model.assignment: fcos / atss"
      if m.Assignment = Anchor then
          if m.Anchor.Sizes.Length <> levels then
              yield problemWithHint "model.anchor.sizes"
                        (sprintf "model.anchor.sizes has %d sizes but the FPN has %d levels (P3-P%d)" m.Anchor.Sizes.Length levels c.Model.Fpn.TopLevel)
                        (sprintf "give one anchor side per level (the reference: 4 x stride, [32, 64, 128, 256, 512] for P3-P7)")
          if m.Loss.Aux then
              yield problemWithHint "model.loss.aux"
                        "model.loss.aux = true with model.assignment = anchor: the auxiliary rule scores (l, t, r, b) boxes, the anchor rule's head predicts anchor deltas"
                        "set model.loss.aux: false"
      let solver = c.Solver
      // max_iter 0 is an evaluation-only run: there is no schedule to check.
      if solver.MaxIter > 0 && solver.WarmupIters > solver.MaxIter then
          yield problem "solver.warmup_iters" (sprintf "solver.warmup_iters = %d is above max_iter = %d" solver.WarmupIters solver.MaxIter)
      if solver.MaxIter > 0 && solver.LrSchedule = Step then
          match solver.Steps |> List.tryFind (fun st -> st >= solver.MaxIter) with
          | Some st -> yield problem "solver.steps" (sprintf "solver.steps has %d, not below max_iter = %d" st solver.MaxIter)
          | None -> ()
          if solver.Steps <> List.sort (List.distinct solver.Steps) then
              yield problem "solver.steps" (sprintf "solver.steps = [%s] must be strictly increasing" (solver.Steps |> List.map string |> String.concat ", "))
      if c.Eval.CompareNmsThresh.IsSome && c.Model.Test.NmsThresh < 1.0 then
          yield problemWithHint "eval.compare_nms_thresh" "eval.compare_nms_thresh is set but model.test.nms_thresh already applies NMS" "set eval.compare_nms_thresh=null, or model.test.nms_thresh=1.0 for the NMS-free model"
      // Any other scheme would silently become a local folder named after it (`ftp:/host/x`).
      match TrackingUri.Problem c.Tracking.Uri with
      | null -> ()
      | reason -> yield problemWithHint "tracking.uri" (sprintf "tracking.uri = '%s': %s" (MlflowRestClient.Redact c.Tracking.Uri) reason) TrackingUri.Accepted ]
