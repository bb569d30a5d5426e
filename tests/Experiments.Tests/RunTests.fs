/// End to end on tiny settings: `run` and `sweep` train, evaluate and track, checked through the MLflow
/// file store they write; the command-line help and exit codes.
module Research.Experiments.Tests.RunTests

open System
open System.IO
open Expecto
open Research.Core.Mlflow
open Research.Experiments
open Research.Experiments.Tests.TestFiles

let private ci = experiment "quickstart_ci.yaml"

/// Overrides that keep a run tiny and inside `dir`.
let private tiny (dir: string) =
    [ sprintf "tracking.uri=%s" (Path.Combine(dir, "mlruns"))
      sprintf "output.dir=%s" (Path.Combine(dir, "outputs"))
      sprintf "data.synthetic.cache_dir=%s" (Path.Combine(repoRoot, ".cache", "synthetic_tests"))
      "solver.max_iter=2"
      "solver.warmup_iters=1"
      "solver.checkpoint_period=2" ]

let private withTemp = withTempDir "research-run-tests"

let private runsOf (dir: string) (experimentName: string) =
    use tracker = new MlflowTracker(Path.Combine(dir, "mlruns"))
    tracker.SearchRuns experimentName |> List.ofSeq

[<Tests>]
let tests =
    testSequenced
    <| testList "Run" [
        test "a tiny run ends FINISHED with the resolved config as params, loss curves and COCO metrics with and without NMS" {
            withTemp (fun dir ->
                let overrides = tiny dir
                let code = Run.main (Array.ofList (ci :: overrides))
                Expect.equal code 0 "run exits 0"
                let resolved =
                    match Config.load ci overrides with
                    | Ok r -> r
                    | Error e -> failtest e.Text
                let runs = runsOf dir "quickstart_ci"
                Expect.equal runs.Length 1 "one run"
                let run = runs.Head
                Expect.equal run.Info.Status RunStatus.Finished "FINISHED"
                Expect.isTrue run.Info.EndTime.HasValue "end time set"
                for key, value in Config.flatten resolved do
                    Expect.equal (run.Params.TryGetValue key |> function | true, v -> Some v | _ -> None) (Some value) (sprintf "param %s" key)
                for key in [ "loss_cls"; "loss_box_reg"; "loss_cls_aux"; "total_loss"; "lr"; "num_fg_per_gt"; "bbox/AP"; "bbox/AP50"; "bbox/AR100"; "bbox_nms/AP50" ] do
                    Expect.isTrue (run.Metrics.ContainsKey key) (sprintf "metric %s logged" key)
                Expect.equal run.Metrics["loss_cls"].Step 2L "losses logged at the last completed iteration"
                let artifacts = Path.Combine(dir, "mlruns", run.Info.ExperimentId, run.Info.RunId, "artifacts")
                Expect.isTrue (File.Exists(Path.Combine(artifacts, "config", "config.yaml"))) "resolved config saved as an artifact"
                Expect.isTrue (File.Exists(Path.Combine(artifacts, "eval", "iter_0000002", "detections_bbox.json"))) "detections saved"
                Expect.isNonEmpty (Directory.GetFiles(Path.Combine(artifacts, "eval", "iter_0000002"), "detections_*.png")) "detection pictures saved"
                Expect.isNonEmpty (Directory.GetFiles(Path.Combine(artifacts, "eval", "iter_0000002"), "assignment_*.png")) "assignment picture saved")
        }

        test "a sweep runs one parent and a child per grid point; running it again skips the finished children" {
            withTemp (fun dir ->
                let sweepFile = Path.Combine(dir, "tiny_sweep.yaml")
                File.WriteAllText(sweepFile, sprintf "_base_: %s\nname: tiny_sweep\nsweep:\n  model.poto.alpha: [0.0, 1.0]\n" ci)
                let args = Array.ofList (sweepFile :: tiny dir)
                Expect.equal (SweepRun.main args) 0 "sweep exits 0"
                let runs = runsOf dir "quickstart_ci"
                let parents = runs |> List.filter (fun r -> r.Tags.ContainsKey "research.sweep" && r.Tags["research.sweep"] = "parent")
                Expect.equal parents.Length 1 "one parent"
                let parent = parents.Head
                Expect.equal parent.Info.Status RunStatus.Finished "parent FINISHED"
                let children = runs |> List.filter (fun r -> r.ParentRunId = parent.Info.RunId)
                Expect.equal children.Length 2 "two children"
                Expect.sequenceEqual (children |> List.map (fun c -> c.Params["model.poto.alpha"]) |> List.sort) [ "0.0"; "1.0" ] "swept values as params"
                for c in children do
                    Expect.equal c.Info.Status RunStatus.Finished "child FINISHED"
                    Expect.equal c.Tags["research.swept_keys"] "model.poto.alpha" "swept keys tagged"
                Expect.stringContains parent.Tags["mlflow.note.content"] "model.poto.alpha" "parent note is the children table"
                Expect.equal (SweepRun.main args) 0 "second run exits 0"
                let again = runsOf dir "quickstart_ci"
                Expect.equal again.Length runs.Length "no new run: finished children were skipped and the parent reused"
                // The same sweep with another value list: a new parent; the point already FINISHED is not run
                // again and the new parent counts it (FINISHED, in its note).
                let changed = Array.append args [| "model.poto.alpha=1.0,0.5" |]
                Expect.equal (SweepRun.main changed) 0 "changed sweep exits 0"
                let third = runsOf dir "quickstart_ci"
                Expect.equal third.Length (runs.Length + 2) "a new parent and one new child (alpha 0.5)"
                let newParent =
                    third |> List.find (fun r -> r.Tags.TryGetValue "research.sweep" = (true, "parent") && r.Info.RunId <> parent.Info.RunId)
                Expect.equal newParent.Info.Status RunStatus.Finished "the new parent FINISHED: alpha 1.0 counts with its earlier run"
                let note = newParent.Tags["mlflow.note.content"]
                Expect.stringContains note "tiny_sweep[alpha=1.0]" "the borrowed run is in its table"
                Expect.stringContains note "tiny_sweep[alpha=0.5]" "the new run is in its table")
        }

        test "a failing sweep child is recorded FAILED, the others finish, the parent fails and the exit code is non-zero" {
            withTemp (fun dir ->
                let bad = Path.Combine(dir, "bad.pth")
                File.WriteAllText(bad, "not a weight file")
                let sweepFile = Path.Combine(dir, "failing.yaml")
                File.WriteAllText(sweepFile, sprintf "_base_: %s\nname: failing\nsweep:\n  model.backbone.weights: [%s, null]\n" ci bad)
                Expect.equal (SweepRun.main (Array.ofList (sweepFile :: tiny dir))) 1 "sweep exits 1"
                let runs = runsOf dir "quickstart_ci"
                let status name = runs |> List.filter (fun r -> r.Info.RunName = name) |> List.map (fun r -> r.Info.Status)
                Expect.equal (status (sprintf "failing[weights=%s]" bad)) [ RunStatus.Failed ] "the bad child is FAILED"
                Expect.equal (status "failing[weights=null]") [ RunStatus.Finished ] "the child after it still ran"
                Expect.equal (status "failing") [ RunStatus.Failed ] "the parent is FAILED")
        }

        test "help exits 0 and bad arguments or configs exit 2" {
            Expect.equal (Run.main [| "--help" |]) 0 "run --help"
            Expect.equal (SweepRun.main [| "--help" |]) 0 "sweep --help"
            Expect.equal (Cli.main [| "help" |]) 0 "cli help"
            Expect.equal (Run.main [||]) 2 "run without a config"
            Expect.equal (Run.main [| "no/such/file.yaml" |]) 2 "missing config"
            Expect.equal (Run.main [| ci; "model.poto.alpah=0.5" |]) 2 "unknown key"
            Expect.equal (Run.main [| ci; "--frobnicate" |]) 2 "unknown flag"
            Expect.equal (SweepRun.main [| ci |]) 2 "a plain config without multirun values is no sweep"
            Expect.equal (Cli.main [| "nope" |]) 2 "unknown command"
        }

        test "--dry-run builds data and model and tracks nothing" {
            withTemp (fun dir ->
                let code = Run.main (Array.ofList (ci :: "--dry-run" :: tiny dir))
                Expect.equal code 0 "dry run exits 0"
                Expect.isFalse (Directory.Exists(Path.Combine(dir, "mlruns"))) "no store written")
        }

        test "--resume of a run that cannot be reopened (deleted, or FINISHED) starts a new run linked to it by a tag" {
            withTemp (fun dir ->
                let overrides = tiny dir
                let code = Run.main (Array.ofList (ci :: "solver.max_iter=4" :: overrides))
                Expect.equal code 0 "first run"
                let first = List.exactlyOne (runsOf dir "quickstart_ci")
                let link = Path.Combine(dir, "outputs", "quickstart_ci", RunIdFile.FileName)
                Expect.stringContains (File.ReadAllText link) first.Info.RunId "the output folder records its run"
                // FINISHED: not reopened (it would mix two trainings into one run).
                Expect.equal (Run.main (Array.ofList (ci :: "solver.max_iter=4" :: overrides @ [ "--resume" ]))) 0 "resume of a finished run"
                let runs = runsOf dir "quickstart_ci"
                Expect.equal runs.Length 2 "a new run"
                let second = runs |> List.find (fun r -> r.Info.RunId <> first.Info.RunId)
                Expect.equal (second.Tags.TryGetValue RunReopening.ResumedFromRunTag |> function | true, v -> v | _ -> "") first.Info.RunId "linked to the first by tag"
                Expect.equal (List.exactlyOne (runsOf dir "quickstart_ci" |> List.filter (fun r -> r.Info.RunId = first.Info.RunId))).Info.Status RunStatus.Finished "the first run untouched"
                Expect.stringContains (File.ReadAllText link) second.Info.RunId "the folder now records the new run"
                // Deleted (as `mlflow runs delete` leaves it): not reopened either.
                let meta = Path.Combine(dir, "mlruns", second.Info.ExperimentId, second.Info.RunId, "meta.yaml")
                File.WriteAllText(meta, File.ReadAllText(meta).Replace("lifecycle_stage: 'active'", "lifecycle_stage: 'deleted'"))
                Expect.equal (Run.main (Array.ofList (ci :: "solver.max_iter=4" :: overrides @ [ "--resume" ]))) 0 "resume of a deleted run"
                let third = runsOf dir "quickstart_ci" |> List.find (fun r -> r.Info.RunId <> first.Info.RunId && r.Info.RunId <> second.Info.RunId)
                Expect.equal (third.Tags.TryGetValue RunReopening.ResumedFromRunTag |> function | true, v -> v | _ -> "") second.Info.RunId "linked to the deleted one")
        }
    ]
