/// Weights from elsewhere through the run and evaluate commands, on the fixtures of tests/Core.Tests/Fixtures/weights
/// (real key names: torchvision, MSRA Caffe2, an official cvpods model_final.pth): strict loading fails before
/// training naming the keys (exit 2), `*_strict: false` warns and goes on, loading nothing is an error, the
/// weights' convention is checked against the config, and `solver.max_iter: 0` evaluates `model.weights`.
module Research.Experiments.Tests.WeightsTests

open System
open System.IO
open Expecto
open Research.Core.Mlflow
open Research.Core.Modeling.Weights
open Research.Experiments
open Research.Experiments.Tests.TestFiles

let private ci = experiment "quickstart_ci.yaml"

let private fixture (name: string) = Path.Combine(repoRoot, "tests", "Core.Tests", "Fixtures", "weights", name)

/// Overrides that keep a run tiny and inside `dir`.
let private tiny (dir: string) =
    [ sprintf "tracking.uri=%s" (Path.Combine(dir, "mlruns"))
      sprintf "output.dir=%s" (Path.Combine(dir, "outputs"))
      sprintf "data.synthetic.cache_dir=%s" (Path.Combine(repoRoot, ".cache", "synthetic_tests"))
      "solver.max_iter=2"
      "solver.warmup_iters=1"
      "solver.checkpoint_period=2" ]

/// The quickstart's half-width R-18 narrowed to the torchvision fixture (stem 4, res2 4).
let private torchvisionR18 = [ sprintf "model.backbone.weights=%s" (fixture "torchvision_resnet18_narrow.pth"); "model.backbone.stem_out_channels=4"; "model.backbone.res2_out_channels=4" ]

/// torchvision's input convention on the 0-255 scale.
let private torchvisionInput = [ "input.format=RGB"; "input.pixel_mean=[123.675,116.28,103.53]"; "input.pixel_std=[58.395,57.12,57.375]" ]

/// The narrow R-50 of the torchvision / Caffe2 R-50 fixtures (stem 2, bottleneck 2, res2 out 8).
let private narrowR50 = [ "model.backbone.depth=50"; "model.backbone.stem_out_channels=2"; "model.backbone.res2_out_channels=8"; "model.backbone.width_per_group=2" ]

/// The narrow official DeFCN of defcn_model_final.pth: cvpods R-50 FrozenBN (stem 8, res2 8, width 2), FPN P3-P7 of
/// 32 channels, one conv per tower, 3DMF, K = 3.
let private officialNarrow =
    [ "model.num_classes=3"; "data.synthetic.num_classes=3"; "model.backbone.depth=50"; "model.backbone.norm=FrozenBN"
      "model.backbone.freeze_at=2"; "model.backbone.stride_in_1x1=true"; "model.backbone.stem_out_channels=8"
      "model.backbone.res2_out_channels=8"; "model.backbone.width_per_group=2"; "model.fpn.out_channels=32"
      "model.fpn.top_level=7"; "model.head.num_convs=1"
      "input.pixel_mean=[103.53,116.28,123.675]"; "input.pixel_std=[1.0,1.0,1.0]" ]

let private withTemp = withTempDir "research-weights-tests"


let private runsOf (dir: string) (experimentName: string) =
    use tracker = new MlflowTracker(Path.Combine(dir, "mlruns"))
    tracker.SearchRuns experimentName |> List.ofSeq

let private noStackTrace (err: string) = Expect.isFalse (err.Contains "   at ") (sprintf "no stack trace: %s" err)

[<Tests>]
let tests =
    testSequenced
    <| testList "Weights" [
        test "torchvision ResNet weights load strictly, and a config with other pixel statistics gets a warning naming torchvision's" {
            withTemp (fun dir ->
                let code, out, err = capturing (fun () -> Run.main (Array.ofList (ci :: "--dry-run" :: tiny dir @ torchvisionR18)))
                Expect.equal code 0 (sprintf "dry run exits 0: %s" err)
                Expect.stringContains out "dry run" "dry run completed"
                Expect.stringContains err "model.backbone.weights: 120 tensors loaded; 2 file keys ignored (fc.bias, fc.weight)" "what loaded"
                Expect.stringContains err "(torchvision ResNet names into the ResNet)" "naming and target"
                Expect.stringContains err "holds torchvision weights, trained on RGB input normalised with pixel_mean [123.675, 116.28, 103.53] and pixel_std [58.395, 57.12, 57.375]" "convention warning"
                Expect.stringContains err "channel order BGR (the weights expect RGB); pixel_mean [127.5, 127.5, 127.5] (expected [123.675, 116.28, 103.53]); pixel_std [64, 64, 64]" "the differences"
                Expect.stringContains err "set input.format: RGB, input.pixel_mean: [123.675, 116.28, 103.53], input.pixel_std: [58.395, 57.12, 57.375]" "the fix"

                let code, _, err = capturing (fun () -> Run.main (Array.ofList (ci :: "--dry-run" :: tiny dir @ torchvisionR18 @ torchvisionInput)))
                Expect.equal code 0 (sprintf "dry run exits 0: %s" err)
                Expect.isFalse (err.Contains "warning:") (sprintf "no warning once the input matches: %s" err))
        }

        test "a run whose backbone weights do not fit fails before training with exit 2, naming the missing keys" {
            withTemp (fun dir ->
                let code, _, err = capturing (fun () -> Run.main (Array.ofList (ci :: tiny dir @ torchvisionR18 @ torchvisionInput @ [ "model.backbone.depth=34" ])))
                Expect.equal code 2 (sprintf "exit 2: %s" err)
                Expect.stringContains err "error: Cannot load weights from" "one error line"
                Expect.stringContains err "into ResNet: 120 keys match, but the file and the model differ; nothing was copied" "what happened"
                Expect.stringContains err "set model.backbone.weights_strict: false" "the key that relaxes it"
                Expect.stringContains err "80 missing keys (in the model, not in the file): res2.2.conv1.weight" "the missing keys, listed"
                noStackTrace err
                let runs = runsOf dir "quickstart_ci"
                Expect.equal (runs |> List.map (fun r -> r.Info.Status)) [ RunStatus.Failed ] "the run is FAILED"
                Expect.isFalse (runs.Head.Metrics.ContainsKey "loss_cls") "nothing was trained"
                Expect.isFalse (Directory.Exists(Path.Combine(dir, "outputs", "quickstart_ci", "checkpoints")) && Directory.GetFiles(Path.Combine(dir, "outputs", "quickstart_ci", "checkpoints")).Length > 0) "no checkpoint")
        }

        test "model.backbone.weights_strict: false lists the differences as warnings and trains" {
            withTemp (fun dir ->
                let code, _, err =
                    capturing (fun () -> Run.main (Array.ofList (ci :: tiny dir @ torchvisionR18 @ torchvisionInput @ [ "model.backbone.depth=34"; "model.backbone.weights_strict=false" ])))
                Expect.equal code 0 (sprintf "exit 0: %s" err)
                Expect.stringContains err "warning: model.backbone.weights: 80 missing keys (in the model, not in the file): res2.2.conv1.weight" "warning lists the keys"
                Expect.stringContains err "model.backbone.weights: 120 tensors loaded" "what loaded"
                let runs = runsOf dir "quickstart_ci"
                Expect.equal (runs |> List.map (fun r -> r.Info.Status)) [ RunStatus.Finished ] "FINISHED"
                Expect.isTrue (runs.Head.Metrics.ContainsKey "loss_cls") "trained")
        }

        test "a file of which nothing matches is an error even with weights_strict false" {
            withTemp (fun dir ->
                let path = Path.Combine(dir, "head_only.safetensors")
                use t = TorchSharp.torch.zeros(3L, 3L)
                SafetensorsFormat.Write(path, [ Collections.Generic.KeyValuePair("head.cls_score.weight", t) ])
                let code, _, err =
                    capturing (fun () -> Run.main (Array.ofList (ci :: "--dry-run" :: tiny dir @ [ sprintf "model.backbone.weights=%s" path; "model.backbone.weights_strict=false" ])))
                Expect.equal code 2 (sprintf "exit 2: %s" err)
                Expect.stringContains err "no key of the file matches the model, so nothing would load" "nothing matched"
                Expect.stringContains err "head.cls_score.weight" "the file's keys"
                noStackTrace err)
        }

        test "torchvision R-50 weights are refused with stride_in_1x1 true, naming the key and the fix" {
            withTemp (fun dir ->
                let weights = sprintf "model.backbone.weights=%s" (fixture "torchvision_resnet50_narrow.pth")
                let code, _, err = capturing (fun () -> Run.main (Array.ofList (ci :: "--dry-run" :: tiny dir @ narrowR50 @ torchvisionInput @ [ weights; "model.backbone.stride_in_1x1=true" ])))
                Expect.equal code 2 (sprintf "exit 2: %s" err)
                Expect.stringContains err "model.backbone.stride_in_1x1 = true, but" "names the key"
                Expect.stringContains err "holds torchvision weights, whose bottleneck blocks have their stride in the 3x3 conv" "says why"
                Expect.stringContains err "Set model.backbone.stride_in_1x1: false." "the fix"
                noStackTrace err
                let code, _, err = capturing (fun () -> Run.main (Array.ofList (ci :: "--dry-run" :: tiny dir @ narrowR50 @ torchvisionInput @ [ weights; "model.backbone.stride_in_1x1=false" ])))
                Expect.equal code 0 (sprintf "loads with the torchvision layout: %s" err)
                Expect.stringContains err "model.backbone.weights: 318 tensors loaded; 2 file keys ignored (fc.bias, fc.weight)" "R-50 with BN: everything but the classifier")
        }

        test "the MSRA R-50.pkl naming loads into the reference FrozenBN settings without a warning" {
            withTemp (fun dir ->
                let overrides =
                    narrowR50
                    @ [ sprintf "model.backbone.weights=%s" (fixture "c2_r50_narrow.pkl"); "model.backbone.norm=FrozenBN"; "model.backbone.freeze_at=2"
                        "model.backbone.stride_in_1x1=true"; "input.format=BGR"; "input.pixel_mean=[103.53,116.28,123.675]"; "input.pixel_std=[1.0,1.0,1.0]" ]
                let code, _, err = capturing (fun () -> Run.main (Array.ofList (ci :: "--dry-run" :: tiny dir @ overrides)))
                Expect.equal code 0 (sprintf "exit 0: %s" err)
                Expect.stringContains err "model.backbone.weights: 159 tensors loaded; 2 file keys ignored (fc1000_" "weights and classifier"
                Expect.stringContains err "106 model keys not in the file kept as built" "AffineChannel: FrozenBN statistics kept"
                Expect.stringContains err "(Caffe2 (MSRA) blob names into the ResNet)" "naming"
                Expect.isFalse (err.Contains "warning:") (sprintf "no warning: %s" err))
        }

        test "solver.max_iter 0 evaluates an official model_final.pth: FINISHED with COCO metrics, nothing trained" {
            withTemp (fun dir ->
                let overrides = tiny dir @ officialNarrow @ [ sprintf "model.weights=%s" (fixture "defcn_model_final.pth"); "solver.max_iter=0" ]
                let code, _, err = capturing (fun () -> Run.main (Array.ofList (ci :: overrides)))
                Expect.equal code 0 (sprintf "exit 0: %s" err)
                Expect.stringContains err "model.weights: 299 tensors loaded from" "every tensor loaded"
                Expect.stringContains err "(TorchSave file, iteration 269999)" "the file's iteration"
                Expect.stringContains err "solver.max_iter = 0: evaluating model.weights" "says it only evaluates"
                let runs = runsOf dir "quickstart_ci"
                Expect.equal (runs |> List.map (fun r -> r.Info.Status)) [ RunStatus.Finished ] "FINISHED"
                let run = runs.Head
                for key in [ "bbox/AP"; "bbox/AP50"; "bbox_nms/AP50" ] do
                    Expect.isTrue (run.Metrics.ContainsKey key) (sprintf "metric %s logged" key)
                Expect.equal run.Metrics["bbox/AP"].Step 0L "at step 0"
                Expect.isFalse (run.Metrics.ContainsKey "loss_cls") "no training step"
                Expect.equal run.Params["model.weights"] (fixture "defcn_model_final.pth") "model.weights is a param")
        }

        test "a model_final.pth for another class count fails strictly naming cls_score; model.weights_strict false fine-tunes" {
            withTemp (fun dir ->
                let overrides = tiny dir @ officialNarrow @ [ sprintf "model.weights=%s" (fixture "defcn_model_final.pth"); "model.num_classes=4"; "data.synthetic.num_classes=4" ]
                let code, _, err = capturing (fun () -> Run.main (Array.ofList (ci :: "--dry-run" :: overrides)))
                Expect.equal code 2 (sprintf "exit 2: %s" err)
                Expect.stringContains err "2 mis-shaped keys: head.cls_score.weight: file [3, 32, 3, 3] vs model [4, 32, 3, 3], head.cls_score.bias: file [3] vs model [4]" "names the keys"
                Expect.stringContains err "set model.weights_strict: false" "the key that relaxes it"
                let code, _, err = capturing (fun () -> Run.main (Array.ofList (ci :: "--dry-run" :: overrides @ [ "model.weights_strict=false" ])))
                Expect.equal code 0 (sprintf "exit 0: %s" err)
                Expect.stringContains err "warning: model.weights: 2 mis-shaped keys" "warned"
                Expect.stringContains err "model.weights: 297 tensors loaded" "the rest loaded")
        }

        test "evaluate CONFIG --checkpoint takes an official .pth and a .safetensors as well as our .ckpt" {
            withTemp (fun dir ->
                let overrides = tiny dir @ officialNarrow
                let code, out, err = capturing (fun () -> Inspect.evaluate (Array.ofList (ci :: "--checkpoint" :: fixture "defcn_model_final.pth" :: overrides)))
                Expect.equal code 0 (sprintf "evaluate exits 0: %s" err)
                Expect.stringContains out "(iteration 269999)" "the file's iteration"
                Expect.stringContains out "bbox/AP50" "metrics printed"
                // The same weights as safetensors (written by the framework from the loaded model).
                let safetensors = Path.Combine(dir, "narrow_defcn.safetensors")
                (match Config.load ci (overrides @ [ sprintf "model.weights=%s" (fixture "defcn_model_final.pth") ]) with
                 | Ok r ->
                     use model = Run.buildModel r.Config
                     WeightLoader.Save(model, safetensors)
                 | Error e -> failtest e.Text)
                let code, out, err = capturing (fun () -> Inspect.evaluate (Array.ofList (ci :: "--checkpoint" :: safetensors :: overrides)))
                Expect.equal code 0 (sprintf "evaluate exits 0: %s" err)
                Expect.stringContains out "(Safetensors file)" "format named"
                Expect.isTrue (Directory.Exists(Path.Combine(dir, "outputs", "quickstart_ci", "eval", "weights_narrow_defcn"))) "outputs under the file's name")
        } ]
