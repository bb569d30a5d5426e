/// `predict` through the command entry point on tiny models trained here (quickstart_ci and a tiny crowd preset, a
/// few iterations, one thread): results, sidecar and pictures for a folder; detections equal to the validation loop's
/// for the same images; an unreadable image named on one line while the others are predicted (exit 1); the crowd
/// .odgt scored by `evaluate GT.odgt` exactly as the run scored itself; bad arguments and inputs exit 2.
module Research.Experiments.Tests.PredictTests

open System
open System.IO
open System.Text.Json
open Expecto
open Research.Core.Data
open Research.Core.Evaluation
open Research.Core.Mlflow
open Research.Experiments
open Research.Experiments.Tests.TestFiles

let private ci = experiment "quickstart_ci.yaml"
let private crowdQuickstart = experiment "crowd_quickstart.yaml"


/// A folder for the whole test run (the trained models are shared by the tests), removed when the process ends.
let private root =
    lazy
        (let dir = Path.Combine(Path.GetTempPath(), "research-predict-tests", Guid.NewGuid().ToString("N"))
         Directory.CreateDirectory dir |> ignore
         AppDomain.CurrentDomain.ProcessExit.Add(fun _ -> try Directory.Delete(dir, true) with _ -> ())
         dir)

/// A fresh folder inside the run's folder.
let private scratch (name: string) =
    let dir = Path.Combine(root.Force(), name + "-" + Guid.NewGuid().ToString("N").Substring(0, 8))
    Directory.CreateDirectory dir |> ignore
    dir

/// The overrides of every command here: one thread, outputs inside the run's folder, and a score threshold low enough
/// that a model of four iterations (scores near the prior) keeps its full top-100 list, so equalities compare
/// hundreds of real detections.
let private common () =
    [ "threads=1"
      sprintf "tracking.uri=%s" (Path.Combine(root.Force(), "mlruns"))
      sprintf "output.dir=%s" (Path.Combine(root.Force(), "outputs"))
      "model.test.score_thresh=0.001" ]

let private detectionOverrides () =
    common () @ [ sprintf "data.synthetic.cache_dir=%s" (Path.Combine(repoRoot, ".cache", "synthetic_tests")) ]

let private crowdOverrides () =
    common ()
    @ [ "data.synthetic_crowd.image_size=128"; "data.synthetic_crowd.train_images=4"; "data.synthetic_crowd.val_images=3"
        sprintf "data.synthetic_crowd.cache_dir=%s" (Path.Combine(repoRoot, ".cache", "synthetic_crowd_tests"))
        "input.min_size_train=[128]"; "input.min_size_test=128"; "solver.batch_size=2"; "solver.max_iter=4"
        "solver.warmup_iters=2"; "solver.checkpoint_period=2"; "eval.vis_images=1" ]

/// A trained run: its resolved config, final checkpoint, the val set and the validation loop's output folder.
type private Trained =
    { Config: ExperimentConfig
      Checkpoint: string
      Val: CocoDataset
      EvalDir: string }

let private train (config: string) (overrides: string list) (expectedName: string) =
    let code, _, err = capturing (fun () -> Run.main (Array.ofList (config :: overrides)))
    if code <> 0 then failtestf "training %s exited %d: %s" config code err
    let cfg = (valueOf (Config.load config overrides)).Config
    let folder = Run.outputFolder cfg None
    Expect.equal cfg.Name expectedName "the run's name"
    let _, valSet = Run.loadData cfg
    { Config = cfg
      Checkpoint = Path.Combine(folder, "checkpoints", sprintf "model_%07d.ckpt" cfg.Solver.MaxIter)
      Val = valSet
      EvalDir = Path.Combine(folder, "eval", sprintf "iter_%07d" cfg.Solver.MaxIter) }

let private detector = lazy (train ci (detectionOverrides ()) "quickstart_ci")
let private crowd = lazy (train crowdQuickstart (crowdOverrides ()) "crowd_quickstart")

/// `predict CONFIG --checkpoint P ARGS... OVERRIDES`: (exit code, stdout, stderr).
let private predict (config: string) (checkpoint: string) (args: string list) (overrides: string list) =
    capturing (fun () -> Cli.main (Array.ofList ([ "predict"; config; "--checkpoint"; checkpoint ] @ args @ overrides)))

/// The val folder of the generated shapes (000001.png ... in id order).
let private valFolder (t: Trained) = Path.GetDirectoryName(t.Val.Images[0].Path) |> string

/// The images of images.json: (id, file_name, width, height, picture).
let private sidecar (dir: string) =
    use doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "images.json")))
    let images =
        [ for i in doc.RootElement.GetProperty("images").EnumerateArray() ->
              i.GetProperty("id").GetInt64(), i.GetProperty("file_name").GetString() |> string, i.GetProperty("width").GetInt32(),
              i.GetProperty("height").GetInt32(), i.GetProperty("picture").GetString() |> string ]
    let categories = [ for c in doc.RootElement.GetProperty("categories").EnumerateArray() -> c.GetProperty("id").GetInt64(), c.GetProperty("name").GetString() |> string ]
    let unreadable = [ for u in doc.RootElement.GetProperty("unreadable").EnumerateArray() -> u.GetProperty("file_name").GetString() |> string ]
    images, categories, unreadable

/// The validation loop's detections of the val image named `fileName`, with `id` as image id.
let private validationDetections (t: Trained) (fileName: string) (id: int64) =
    let image = t.Val.Images |> Seq.find (fun i -> Path.GetFileName i.FileName = fileName)
    CocoDetections.Load(Path.Combine(t.EvalDir, "detections_bbox.json"))
    |> Array.filter (fun d -> d.ImageId = image.Id)
    |> Array.map (fun d -> CocoDetection(id, d.CategoryId, d.X, d.Y, d.Width, d.Height, d.Score))

let private noStackTrace (err: string) = Expect.isFalse (err.Contains "   at ") (sprintf "no stack trace: %s" err)

[<Tests>]
let tests =
    testSequenced
    <| testList "Predict" [
        test "a folder: COCO results, the id → image sidecar and one picture per image; the detections are the validation loop's" {
            let t = detector.Force()
            let out = scratch "folder"
            let code, stdout, stderr = predict ci t.Checkpoint [ valFolder t; "--output"; out ] (detectionOverrides ())
            Expect.equal code 0 (sprintf "exit 0: %s" stderr)
            let images, categories, unreadable = sidecar out
            Expect.equal (images |> List.map (fun (id, name, w, h, _) -> id, name, w, h))
                [ for i in 1L .. 4L -> i, sprintf "%06d.png" i, 128, 128 ] "ids 1..4 in file-name order, sizes from the files"
            Expect.equal categories [ 1L, "rectangle"; 2L, "ellipse"; 3L, "triangle"; 4L, "ring" ] "the config's classes with the data's category ids"
            Expect.isEmpty unreadable "every image read"
            let predicted = CocoDetections.Load(Path.Combine(out, "detections.json"))
            Expect.equal predicted.Length 400 "model.test.detections_per_image = 100 for each of the 4 images"
            // The same images through the validation loop of the run (batch 2, each image cut alone): same boxes, scores,
            // classes and order, bit for bit.
            let expected = images |> List.collect (fun (id, name, _, _, _) -> validationDetections t name id |> List.ofArray)
            Expect.equal expected.Length 400 "the validation loop kept 100 per image too"
            Expect.sequenceEqual predicted expected "predict's detections equal the validation loop's"
            for _, _, _, _, picture in images do
                let png = Path.Combine(out, picture)
                Expect.equal (ImageDecoder.ReadUprightSize png) (512, 512) (sprintf "%s: the 128-px image magnified 4 times" picture)
            Expect.isFalse (File.Exists(Path.Combine(out, "detections.odgt"))) "no .odgt for a multi-class config"
            for i in 1..4 do
                Expect.stringContains stderr (sprintf "[%d/4] %06d.png: 100 detections" i i) "a progress line per image"
            Expect.stringContains stdout "predicted 4 of 4 images (400 detections)" "the summary"
            // Without --output: <output.dir>/<name>/predict, and the same results.
            let code, _, stderr = predict ci t.Checkpoint [ valFolder t ] (detectionOverrides ())
            Expect.equal code 0 (sprintf "exit 0: %s" stderr)
            let defaultDir = Path.Combine(Run.outputFolder t.Config None, "predict")
            Expect.sequenceEqual (CocoDetections.Load(Path.Combine(defaultDir, "detections.json"))) predicted "default folder, same detections"
        }

        test "an FCOS config gets its NMS (eval.compare_nms_thresh, model.test having none): the detections are the bbox_nms variant's" {
            // The boxes of a four-iteration model are a few pixels wide, so NMS must be strict to remove any: 0.1.
            let overrides =
                detectionOverrides () @ [ "name=predict_fcos"; "model.assignment=fcos"; "model.filter.enabled=false"; "model.loss.aux=false"; "eval.compare_nms_thresh=0.1" ]
            let t = train ci overrides "predict_fcos"
            let out = scratch "fcos"
            let code, _, stderr = predict ci t.Checkpoint [ valFolder t; "--output"; out ] overrides
            Expect.equal code 0 (sprintf "exit 0: %s" stderr)
            Expect.stringContains stderr "class-wise NMS 0.1" "says which NMS runs"
            let predicted = CocoDetections.Load(Path.Combine(out, "detections.json"))
            let withNms = CocoDetections.Load(Path.Combine(t.EvalDir, "detections_bbox_nms.json"))
            let without = CocoDetections.Load(Path.Combine(t.EvalDir, "detections_bbox.json"))
            // Same-class pairs of one image overlapping more than NMS allows: some without NMS, none after it.
            let overlapping (dets: CocoDetection[]) =
                let iou (a: CocoDetection) (b: CocoDetection) =
                    let w = min (a.X + a.Width) (b.X + b.Width) - max a.X b.X
                    let h = min (a.Y + a.Height) (b.Y + b.Height) - max a.Y b.Y
                    let inter = if w > 0.0 && h > 0.0 then w * h else 0.0
                    inter / (a.Width * a.Height + b.Width * b.Height - inter)
                [ for i in 0 .. dets.Length - 1 do
                      for j in i + 1 .. dets.Length - 1 do
                          let a, b = dets[i], dets[j]
                          if a.ImageId = b.ImageId && a.CategoryId = b.CategoryId && iou a b > 0.1 + 1e-6 then yield i, j ]
                |> List.length
            Expect.isGreaterThan (overlapping without) 0 "without NMS, same-class boxes overlap above 0.1: a real difference"
            Expect.equal (overlapping predicted) 0 "predict's boxes went through NMS 0.1"
            Expect.equal predicted.Length 400 "still 100 per image (the low score threshold leaves plenty)"
            // Val ids are 1..4 in file-name order, as predict's.
            Expect.sequenceEqual predicted withNms "predict's detections equal the validation loop's NMS variant"
        }

        test "an unreadable image is named on one line and the others are still predicted; exit 1 with the count" {
            let t = detector.Force()
            let images = scratch "images"
            for name in [ "000001.png"; "000003.png" ] do
                File.Copy(Path.Combine(valFolder t, name), Path.Combine(images, name))
            File.WriteAllText(Path.Combine(images, "broken.png"), "not a picture")
            File.WriteAllBytes(Path.Combine(images, "cut.png"), File.ReadAllBytes(Path.Combine(valFolder t, "000002.png"))[.. 299])
            File.WriteAllText(Path.Combine(images, "notes.txt"), "not an image extension: not listed")
            let missing = Path.Combine(images, "gone.jpg")
            let out = scratch "corrupt"
            let code, stdout, stderr = predict ci t.Checkpoint [ images; missing; "--output"; out ] (detectionOverrides ())
            Expect.equal code 1 "exit 1: some images could not be read"
            let lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            for bad in [ "broken.png"; "cut.png"; "gone.jpg" ] do
                let naming = lines |> Array.filter (fun l -> l.Contains bad)
                Expect.equal naming.Length 1 (sprintf "one line names %s: %A" bad naming)
                Expect.stringStarts naming[0] "error: " "an error line"
            Expect.isFalse (stderr.Contains "notes.txt") "files without an image extension are not listed"
            Expect.stringContains stderr "error: 3 of 5 images could not be read" "the summary"
            noStackTrace stderr
            let listed, _, unreadable = sidecar out
            // Sorted names: 000001, 000003, broken, cut; then gone.jpg as given: ids 1, 2 are the good images.
            Expect.equal (listed |> List.map (fun (id, name, _, _, _) -> id, name)) [ 1L, "000001.png"; 2L, "000003.png" ] "the readable images keep their ids"
            Expect.equal unreadable [ "broken.png"; "cut.png"; missing ] "the unreadable ones are listed"
            let predicted = CocoDetections.Load(Path.Combine(out, "detections.json"))
            let expected = Array.append (validationDetections t "000001.png" 1L) (validationDetections t "000003.png" 2L)
            Expect.equal predicted.Length 200 "100 detections for each readable image"
            Expect.sequenceEqual predicted expected "and they are the validation loop's"
            Expect.isTrue (File.Exists(Path.Combine(out, "000003.png"))) "pictures of the readable images"
            Expect.isFalse (File.Exists(Path.Combine(out, "broken.png"))) "none of the unreadable"
            Expect.stringContains stdout "predicted 2 of 5 images" "the summary on stdout"
        }

        test "crowd config: detections.odgt, scored by `evaluate GT.odgt` exactly as the validation loop scored the run" {
            let t = crowd.Force()
            let files = t.Val.Images |> Seq.map (fun i -> i.Path) |> List.ofSeq
            Expect.equal files.Length 3 "three val images"
            let out = scratch "crowd"
            let code, _, stderr = predict crowdQuickstart t.Checkpoint (files @ [ "--output"; out ]) (crowdOverrides ())
            Expect.equal code 0 (sprintf "exit 0: %s" stderr)
            let odgt = Path.Combine(out, "detections.odgt")
            let lines = File.ReadAllLines odgt
            Expect.equal lines.Length 3 "one dt record per image"
            let dets = CrowdHumanDetections.Load odgt
            Expect.equal (dets.Detections |> Seq.map (fun d -> d.ImageId) |> Seq.distinct |> List.ofSeq)
                (t.Val.Images |> Seq.map (fun i -> string i.SourceId) |> List.ofSeq) "the records' IDs are the images' CrowdHuman IDs (file names)"
            Expect.equal dets.Detections.Count 300 "100 detections per image"
            Expect.equal dets.ImageSizes[string t.Val.Images[0].SourceId] (struct (Nullable 128, Nullable 128)) "the image size in every record"
            let coco = CocoDetections.Load(Path.Combine(out, "detections.json"))
            Expect.isTrue (coco |> Array.forall (fun d -> d.CategoryId = 1L)) "COCO results with the person category"
            let code, json, err = capturing (fun () -> Cli.main [| "evaluate"; t.Val.AnnotationFile; odgt; "--json" |])
            Expect.equal code 0 (sprintf "evaluate exits 0: %s" err)
            use doc = JsonDocument.Parse json
            use tracker = new MlflowTracker(Path.Combine(root.Force(), "mlruns"))
            let run = tracker.SearchRuns "crowd_quickstart" |> Seq.exactlyOne
            for key in [ "crowd/AP50"; "crowd/mMR"; "crowd/recall" ] do
                let fromFile = doc.RootElement.GetProperty(key).GetDouble()
                Expect.floatClose Accuracy.veryHigh fromFile run.Metrics[key].Value (sprintf "%s of the .odgt = the run's" key)
            Expect.isGreaterThan (doc.RootElement.GetProperty("crowd/recall").GetDouble()) 0.0 "some persons found: a real comparison"
            Expect.equal (doc.RootElement.GetProperty("detections").GetInt32()) 300 "every detection scored"
        }

        test "a config's classes, crowd output and NMS: shapes, person, a COCO file's categories; FCOS/ATSS get NMS, DeFCN none" {
            let load overrides = (valueOf (Config.load ci overrides)).Config
            let names (cs: CocoCategory list) = cs |> List.map (fun c -> c.Id, c.Name, c.Class)
            let warnings = Collections.Generic.List<string>()
            let shapes = load []
            Expect.equal (names (Predict.categoriesOf shapes warnings.Add)) [ 1L, "rectangle", 0; 2L, "ellipse", 1; 3L, "triangle", 2; 4L, "ring", 3 ] "the generated shapes"
            Expect.equal (names (Predict.categoriesOf (load [ "model.num_classes=5" ]) warnings.Add) |> List.last) (5L, "class 5", 4) "a class beyond the data's is numbered"
            Expect.isFalse (Predict.isCrowd shapes) "no .odgt for shapes"
            let crowdCfg = (valueOf (Config.load crowdQuickstart [])).Config
            Expect.equal (names (Predict.categoriesOf crowdCfg warnings.Add)) [ 1L, "person", 0 ] "person"
            Expect.isTrue (Predict.isCrowd crowdCfg) "crowd data with one class writes the .odgt"
            Expect.equal (Predict.inferenceOf shapes).NmsThresh 1.0 "DeFCN: no NMS (eval.compare_nms_thresh is only the comparison)"
            let fcos = [ "model.assignment=fcos"; "model.filter.enabled=false"; "model.loss.aux=false" ]
            Expect.equal (Predict.inferenceOf (load fcos)).NmsThresh 0.6 "FCOS: eval.compare_nms_thresh, the official 0.6"
            Expect.equal (Predict.inferenceOf (load ("model.assignment=atss" :: fcos.Tail @ [ "model.test.nms_thresh=0.5"; "eval.compare_nms_thresh=null" ]))).NmsThresh 0.5 "ATSS: its own model.test.nms_thresh"
            withFiles [ "images/.keep", ""; "val.json", """{"images": [], "annotations": [], "categories": [{"id": 18, "name": "dog"}, {"id": 3, "name": "car"}]}""" ] (fun dir ->
                let coco k = (valueOf (Config.loadIn dir ci [ sprintf "model.num_classes=%d" k; "data.synthetic.num_classes=2"; sprintf "data.val={kind: coco, images: %s, annotations: %s}" (Path.Combine(dir, "images")) (Path.Combine(dir, "val.json")) ])).Config
                Expect.equal (names (Predict.categoriesOf (coco 2) warnings.Add)) [ 3L, "car", 0; 18L, "dog", 1 ] "the file's categories by sorted id"
                Expect.isEmpty warnings "no warning so far"
                let e = Expect.throwsC (fun () -> Predict.categoriesOf (coco 3) warnings.Add |> ignore) id
                Expect.stringContains e.Message "model.num_classes = 3, but data.val.annotations" "a class count that does not fit is refused"
                // The config loader refuses a missing annotation file; one removed since is not fatal.
                let cfg = coco 2
                File.Delete(Path.Combine(dir, "val.json"))
                Expect.equal (names (Predict.categoriesOf cfg warnings.Add)) [ 1L, "class 1", 0; 2L, "class 2", 1 ] "without the file: class + 1"
                Expect.stringContains (Seq.exactlyOne warnings) "not found: category ids are class + 1" "with a warning")
        }

        test "bad arguments, checkpoints and folders exit 2 with an error line and no stack trace" {
            let t = detector.Force()
            let empty = scratch "empty"
            File.WriteAllText(Path.Combine(empty, "readme.txt"), "no images here")
            let cases =
                [ "no arguments", [ "predict" ], "missing the config file"
                  "no checkpoint", [ "predict"; ci; valFolder t ], "missing --checkpoint PATH"
                  "a bad score threshold", [ "predict"; ci; "--checkpoint"; t.Checkpoint; valFolder t; "--score-thresh"; "-1" ], "--score-thresh needs a score between 0 and 1"
                  "an unknown option", [ "predict"; ci; "--checkpoint"; t.Checkpoint; valFolder t; "--onnx"; "m.onnx" ], "unknown option '--onnx'"
                  "a missing checkpoint", [ "predict"; ci; "--checkpoint"; Path.Combine(empty, "model.ckpt"); valFolder t ], "model.ckpt: file does not exist"
                  "a folder without images", [ "predict"; ci; "--checkpoint"; t.Checkpoint; empty ], "no images in this folder"
                  "a checkpoint that does not fit the config",
                  [ "predict"; ci; "--checkpoint"; t.Checkpoint; valFolder t; "model.num_classes=3"; "data.synthetic.num_classes=3" ],
                  "head.cls_score.weight: file [4, 64, 3, 3] vs model [3, 64, 3, 3]"
                  "a bad config key", [ "predict"; ci; "--checkpoint"; t.Checkpoint; valFolder t; "model.nmu_classes=3" ], "model.nmu_classes"
                  "a tracking config", [ "predict"; experiment "track_quickstart.yaml"; "--checkpoint"; t.Checkpoint; valFolder t ], "predict needs a detection config" ]
            for what, argv, message in cases do
                let code, _, err = capturing (fun () -> Cli.main (Array.ofList (argv @ detectionOverrides ())))
                Expect.equal code 2 (sprintf "%s: exit 2 (%s)" what err)
                Expect.stringStarts err "error: " (sprintf "%s: an error line first" what)
                Expect.stringContains err message (sprintf "%s: the message says what is wrong" what)
                noStackTrace err
            let code, out, _ = capturing (fun () -> Cli.main [| "predict"; "--help" |])
            Expect.equal code 0 "help exits 0"
            Expect.stringContains out "--checkpoint PATH" "help lists the flags"
        }
    ]
