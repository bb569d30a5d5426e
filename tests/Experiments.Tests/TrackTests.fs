/// Tracking mode end to end on tiny settings: `run` trains DeFCN on crops and evaluates one-pass on the val
/// sequences; `track` runs the tracker of a checkpoint on sequence folders and logs to MLflow; bad input
/// (arguments, configs, sequence folders) exits 2 with a message naming the file.
module Research.Experiments.Tests.TrackTests

open System
open System.IO
open Expecto
open Research.Core.SingleObjectTracking
open Research.Core.Mlflow
open Research.Experiments
open Research.Experiments.Tests.TestFiles

let private trackQuickstart = experiment "track_quickstart.yaml"

/// Overrides that keep a tracking run tiny and inside `dir`.
let private tiny (dir: string) =
    [ sprintf "tracking.uri=%s" (Path.Combine(dir, "mlruns"))
      sprintf "output.dir=%s" (Path.Combine(dir, "outputs"))
      sprintf "data.synthetic_sequences.cache_dir=%s" (Path.Combine(repoRoot, ".cache", "sequences_tests"))
      "data.synthetic_sequences.train_sequences=2"
      "data.synthetic_sequences.val_sequences=1"
      "data.synthetic_sequences.frames=5"
      "data.synthetic_sequences.width=96"
      "data.synthetic_sequences.height=80"
      "data.synthetic_sequences.min_target_size=14"
      "data.synthetic_sequences.max_target_size=20"
      "data.synthetic_sequences.occluders=0"
      "tracker.crop_size=64"
      "tracker.strip_frames=3"
      "solver.batch_size=2"
      "solver.max_iter=2"
      "solver.warmup_iters=1"
      "solver.checkpoint_period=2"
      "eval.period=0" ]

let private withTemp = withTempDir "research-track-tests"

/// Runs `f` with stderr captured: (its result, the text written to stderr).
let private capturingStderr (f: unit -> 'a) =
    let previous = Console.Error
    use err = new StringWriter()
    Console.SetError err
    try
        let result = f ()
        result, err.ToString()
    finally
        Console.SetError previous

let private resolved overrides =
    match Config.load trackQuickstart overrides with
    | Ok r -> r
    | Error e -> failtest e.Text

[<Tests>]
let tests =
    testSequenced
    <| testList "Track" [
        test "track_quickstart is a one-class tracking config on synthetic sequences" {
            let c = (resolved []).Config
            Expect.equal c.Task Tracking "task"
            Expect.equal c.Model.NumClasses 1 "one class: the target"
            Expect.equal (c.Data.Train, c.Data.Val) (SyntheticSequences, SyntheticSequences) "synthetic sequences"
            Expect.equal c.Tracker.CropSize 128 "128-px crops"
        }

        test "a tiny tracking run logs OPE metrics; track with its checkpoint logs a FINISHED run whose metrics match its predictions" {
            withTemp (fun dir ->
                let overrides = tiny dir
                Expect.equal (Run.main (Array.ofList (trackQuickstart :: overrides))) 0 "run exits 0"
                use tracker = new MlflowTracker(Path.Combine(dir, "mlruns"))
                let training = tracker.SearchRuns "track_quickstart" |> List.ofSeq
                Expect.equal training.Length 1 "one training run"
                let train = training.Head
                Expect.equal train.Info.Status RunStatus.Finished "training FINISHED"
                for key in [ "loss_cls"; "loss_box_reg"; "loss_cls_aux"; "ope/success_auc"; "ope/precision_20"; "ope/fps"; "ope_baseline/success_auc"; "ope_baseline/precision_20" ] do
                    Expect.isTrue (train.Metrics.ContainsKey key) (sprintf "metric %s" key)
                let trainArtifacts = Path.Combine(dir, "mlruns", train.Info.ExperimentId, train.Info.RunId, "artifacts", "eval", "iter_0000002")
                Expect.isTrue (File.Exists(Path.Combine(trainArtifacts, "success_plot.png"))) "success plot logged"
                Expect.isTrue (File.Exists(Path.Combine(trainArtifacts, "sequences.csv"))) "sequence table logged"

                // The val sequence of the tiny set, tracked again by the track command with the run's checkpoint.
                let cfg = (resolved overrides).Config
                let _, valDirs = TrackingMode.syntheticFolders cfg.Data.SyntheticSequences
                let code, err = capturingStderr (fun () -> Track.main (Array.ofList (trackQuickstart :: valDirs[0] :: overrides)))
                Expect.equal code 0 (sprintf "track exits 0: %s" err)
                Expect.stringContains err "model_0000002.ckpt" "the newest checkpoint is used and named"
                let runs = tracker.SearchRuns "track_quickstart" |> List.ofSeq
                let trackRun = runs |> List.find (fun r -> r.Info.RunId <> train.Info.RunId)
                Expect.equal trackRun.Info.Status RunStatus.Finished "track run FINISHED"
                Expect.equal trackRun.Info.RunName "track_quickstart-track" "run name"
                Expect.stringEnds trackRun.Params["track.checkpoint"] "model_0000002.ckpt" "checkpoint param"
                Expect.equal trackRun.Params["track.sequence_count"] "1" "one sequence"
                let artifacts = Path.Combine(dir, "mlruns", trackRun.Info.ExperimentId, trackRun.Info.RunId, "artifacts", "track")
                Expect.isTrue (File.Exists(Path.Combine(artifacts, "success_plot.png"))) "success plot artifact"
                let name = Path.GetFileName valDirs[0]
                Expect.isTrue (File.Exists(Path.Combine(artifacts, name, "strip.png"))) "strip artifact"
                // Known answer: the logged scores are the one-pass evaluation of the written predictions.
                let predicted = GroundTruthFile.Read(Path.Combine(artifacts, name, "predictions.txt"))
                let truth = (SequenceFolder.Read valDirs[0]).GroundTruth
                Expect.equal predicted.Count truth.Count "one prediction per frame"
                Expect.equal predicted[0] truth[0] "frame 1 is the given box"
                let ope = OnePassEvaluation.Evaluate(predicted, truth)
                Expect.floatClose Accuracy.veryHigh trackRun.Metrics["ope/success_auc"].Value ope.SuccessAuc "success AUC"
                Expect.floatClose Accuracy.veryHigh trackRun.Metrics["ope/precision_20"].Value ope.PrecisionAt20 "precision@20"
                let baseline = OnePassEvaluation.Evaluate(FixedBoxBaseline.Track truth, truth)
                Expect.floatClose Accuracy.veryHigh trackRun.Metrics["ope_baseline/success_auc"].Value baseline.SuccessAuc "baseline AUC"
                Expect.isTrue (File.Exists(Path.Combine(dir, "outputs", "track_quickstart", "track", name, name, "predictions.txt"))) "written under output.dir/NAME/track/SET/SEQUENCE"
                // The same weights as .safetensors (any whole-detector file is accepted): the same predictions.
                let ckpt = Path.Combine(dir, "outputs", "track_quickstart", "checkpoints", "model_0000002.ckpt")
                let safetensors = Path.Combine(dir, "model.safetensors")
                do
                    use m = Run.buildModel cfg
                    Research.Core.Training.CheckpointFile.LoadModel(ckpt, m) |> ignore
                    Research.Core.Modeling.Weights.WeightLoader.Save(m, safetensors)
                let out2 = Path.Combine(dir, "track_safetensors")
                let code2, err2 = capturingStderr (fun () -> Track.main (Array.ofList (trackQuickstart :: valDirs[0] :: "--checkpoint" :: safetensors :: "--output" :: out2 :: overrides)))
                Expect.equal code2 0 (sprintf "track with .safetensors exits 0: %s" err2)
                Expect.sequenceEqual (GroundTruthFile.Read(Path.Combine(out2, name, "predictions.txt"))) predicted "the same predictions as with the .ckpt"
                // evaluate CONFIG --checkpoint gives the training-time val metrics of that checkpoint again.
                let checkpoint = Path.Combine(dir, "outputs", "track_quickstart", "checkpoints", "model_0000002.ckpt")
                let code, err = capturingStderr (fun () -> Inspect.evaluate (Array.ofList (trackQuickstart :: "--checkpoint" :: checkpoint :: overrides)))
                Expect.equal code 0 (sprintf "evaluate exits 0: %s" err)
                let again = GroundTruthFile.Read(Path.Combine(dir, "outputs", "track_quickstart", "eval", "checkpoint_0000002", name, "predictions.txt"))
                Expect.sequenceEqual again predicted "the same predictions as track"
                // trace shows the forward pass on the first val crop.
                let code, err = capturingStderr (fun () -> Inspect.trace (Array.ofList (trackQuickstart :: overrides)))
                Expect.equal code 0 (sprintf "trace exits 0: %s" err))
        }

        test "track refuses bad arguments, configs, checkpoints and sequence folders with exit code 2 and a named cause" {
            withTemp (fun dir ->
                let overrides = tiny dir
                let track args = capturingStderr (fun () -> Track.main (Array.ofList args))
                Expect.equal (fst (track [ "--help" ])) 0 "help"
                Expect.equal (fst (track [])) 2 "no config"
                Expect.equal (fst (track [ trackQuickstart ])) 2 "no sequence folder"
                Expect.equal (fst (track [ trackQuickstart; dir; "--chekpoint"; "x" ])) 2 "unknown flag"
                let code, err = track ([ experiment "quickstart.yaml"; dir ] @ overrides |> List.filter (fun o -> not (o.StartsWith "data.synthetic_sequences" || o.StartsWith "tracker.")))
                Expect.equal code 2 "detection config"
                Expect.stringContains err "task: tracking" "says what is needed"
                let code, err = track ([ trackQuickstart; Path.Combine(dir, "nope") ] @ overrides)
                Expect.equal code 2 "missing folder"
                Expect.stringContains err (Path.Combine(dir, "nope")) "names the folder"
                // A sequence whose ground truth has a malformed line 3.
                let sequence = Path.Combine(dir, "bad")
                use synthetic = SyntheticSequence.Generate(SyntheticSequenceSpec(Frames = 4, Width = 64, Height = 64, MinTargetSize = 12, MaxTargetSize = 16), 0)
                synthetic.Write sequence
                let gt = Path.Combine(sequence, "groundtruth.txt")
                let lines = File.ReadAllLines gt
                lines[2] <- "12,abc,10,10"
                File.WriteAllLines(gt, lines)
                let code, err = track ([ trackQuickstart; sequence ] @ overrides)
                Expect.equal code 2 "malformed ground truth"
                Expect.stringContains err (gt + ":3") "names the file and line"
                File.Delete gt
                File.WriteAllLines(gt, Array.append lines[0..1] [| "1,1,10,10"; "2,2,10,10" |])
                let code, err = track ([ trackQuickstart; sequence; "--checkpoint"; Path.Combine(dir, "none.ckpt") ] @ overrides)
                Expect.equal code 2 (sprintf "missing checkpoint: %s" err)
                Expect.stringContains err "none.ckpt" "names the checkpoint"
                let code, err = track ([ trackQuickstart; sequence ] @ overrides)
                Expect.equal code 2 "no checkpoint trained yet"
                Expect.stringContains err "train first" "says how to get one"
                File.Delete(Path.Combine(sequence, "00000003.png"))
                let code, err = track ([ trackQuickstart; sequence ] @ overrides)
                Expect.equal code 2 "missing frame"
                Expect.stringContains err "missing frame 00000003" "names the frame")
        }
    ]
