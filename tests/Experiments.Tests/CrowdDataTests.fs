/// The crowd data keys: `data.*.kind: crowdhuman | synthetic_crowd`, `data.synthetic_crowd`, `input.ignore_regions`,
/// the crowd quickstart, and the data they load through Run.loadData.
module Research.Experiments.Tests.CrowdDataTests

open System.IO
open Expecto
open Research.Core.Data
open Research.Experiments
open Research.Experiments.Tests.TestFiles

let private load file overrides = valueOf (Config.loadIn repoRoot (experiment file) overrides)

/// Overrides that make the crowd preset tiny and keep its cache in `dir`.
let private tinyCrowd (dir: string) =
    [ "data.synthetic_crowd.image_size=128"
      "data.synthetic_crowd.train_images=4"
      "data.synthetic_crowd.val_images=2"
      sprintf "data.synthetic_crowd.cache_dir=%s" dir ]

[<Tests>]
let tests =
    testSequenced
    <| testList
        "CrowdData"
        [ test "crowd_quickstart trains one class on the crowd preset within the quickstart's budget" {
              let c = (load "crowd_quickstart.yaml" []).Config
              let q = (load "quickstart.yaml" []).Config
              Expect.equal (c.Data.Train, c.Data.Val) (DataSource.SyntheticCrowd, DataSource.SyntheticCrowd) "both splits from the preset"
              Expect.equal c.Model.NumClasses 1 "one class: person"
              Expect.equal c.Eval.CompareNmsThresh (Some 0.6) "bbox_nms/* at the official FCOS/ATSS threshold"
              Expect.equal c.Model.Test.NmsThresh 1.0 "bbox/* without NMS"
              Expect.equal (c.Solver, c.Input, c.Model.Backbone, c.Model.Fpn) (q.Solver, q.Input, q.Model.Backbone, q.Model.Fpn) "the quickstart's schedule, input and model"
              Expect.equal c.Input.IgnoreRegions Background "ignore regions train as background (the official setting)"
              Expect.equal
                  c.Data.SyntheticCrowd
                  { ImageSize = 192; TrainImages = 2000; ValImages = 200; MinPeople = 8; MaxPeople = 22; MinHeight = 0.0833
                    MaxHeight = 0.46875; Aspect = 0.4; MinSpacing = 0.1; MaxSpacing = 0.5; MaxIgnoreRegions = 2
                    MinVisibleFraction = 0.25; Box = FullBox; Seed = 0; CacheDir = ".cache/synthetic_crowd" }
                  "data.synthetic_crowd from base.yaml"
          }
          test "base.yaml's crowd settings are the Core defaults, so tests measure the shipped preset" {
              let fromConfig = Run.syntheticCrowdOptions (load "base.yaml" []).Config
              Expect.equal fromConfig (SyntheticCrowdOptions()) "same record"
          }
          test "a crowdhuman split takes images, annotations, box and on_error; box and on_error default to full and fail" {
              withFiles [ "Images/.keep", ""; "a.odgt", "" ] (fun dir ->
                  let loadIn overrides = (valueOf (Config.loadIn dir quickstart overrides)).Config
                  let c = loadIn [ "data.train={kind: crowdhuman, images: Images, annotations: a.odgt, box: visible, on_error: skip}"
                                   "data.val={kind: crowdhuman, images: Images, annotations: a.odgt}" ]
                  Expect.equal c.Data.Train (CrowdHuman("Images", "a.odgt", VisibleBox, true)) "all keys"
                  Expect.equal c.Data.Val (CrowdHuman("Images", "a.odgt", FullBox, false)) "defaults"
                  let head = loadIn [ "data.train={kind: crowdhuman, images: Images, annotations: a.odgt, box: head}" ]
                  Expect.equal head.Data.Train (CrowdHuman("Images", "a.odgt", HeadBox, false)) "head boxes")
          }
          test "input.ignore_regions reads background and ignore" {
              Expect.equal (load "base.yaml" []).Config.Input.IgnoreRegions Background "default"
              Expect.equal (load "quickstart.yaml" [ "input.ignore_regions=ignore" ]).Config.Input.IgnoreRegions Ignore "ignore"
              Expect.equal (Config.flatten (load "base.yaml" []) |> List.find (fun (k, _) -> k = "input.ignore_regions") |> snd) "background" "logged as a param"
          }
          test "the crowd preset loads through the CrowdHuman reader, and its files load again as a crowdhuman split" {
              withTempDir "research-crowd-tests" (fun dir ->
                  let cfg = (load "crowd_quickstart.yaml" (tinyCrowd dir)).Config
                  let train, valSet = Run.loadData cfg
                  Expect.equal (train.Images.Count, valSet.Images.Count) (4, 2) "tiny splits"
                  Expect.sequenceEqual train.ClassNames [ "person" ] "one class"
                  Expect.equal train.Images[0].SourceId "train-000001" "the odgt ID"
                  Expect.isTrue (train.AnnotationFile.EndsWith "annotation_train.odgt") "read from the odgt"
                  Expect.isTrue (train.Images |> Seq.exists (fun i -> i.Annotations |> Seq.exists (fun a -> a.IsCrowd))) "ignore regions are crowd boxes"
                  match Run.crowdSummary cfg train valSet with
                  | Some line -> Expect.stringContains line "crowd: train 4 images" "summary of both splits"
                  | None -> failtest "a crowd split has a summary"
                  let folder = Path.GetDirectoryName train.AnnotationFile |> nonNull
                  let asFiles =
                      (load "quickstart.yaml"
                          [ sprintf "data.train={kind: crowdhuman, images: %s, annotations: %s, box: visible}" (Path.Combine(folder, "Images")) train.AnnotationFile
                            sprintf "data.val={kind: crowdhuman, images: %s, annotations: %s}" (Path.Combine(folder, "Images")) valSet.AnnotationFile ]).Config
                  let visible, valAgain = Run.loadData asFiles
                  Expect.equal valAgain.Images.Count 2 "val from its odgt"
                  for full, vis in Seq.zip train.Images visible.Images do
                      for a, v in Seq.zip full.Annotations vis.Annotations do
                          Expect.isTrue (v.X >= a.X - 1e-3 && v.X + v.Width <= a.X + a.Width + 1e-3) "visible inside full"
                  Expect.isNone (Run.crowdSummary (load "quickstart.yaml" []).Config train valSet) "no summary for other data")
          }
          test "--dry-run of crowd_quickstart generates the preset and exits 0" {
              withTempDir "research-crowd-tests" (fun dir ->
                  Expect.equal (Run.main (Array.ofList (experiment "crowd_quickstart.yaml" :: "--dry-run" :: tinyCrowd dir))) 0 "exit 0"
                  Expect.equal (Directory.GetDirectories dir |> Array.map Path.GetFileName |> Array.filter (fun d -> d.StartsWith "synthetic_crowd-")).Length 1 "one cache folder")
          } ]
