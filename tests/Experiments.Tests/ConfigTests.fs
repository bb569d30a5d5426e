/// Loading the shipped configs, inheritance and merge semantics, overrides, printing and flattening.
module Research.Experiments.Tests.ConfigTests

open System.IO
open Expecto
open Research.Experiments
open Research.Experiments.Tests.TestFiles

let private shipped =
    [ "base.yaml"; "quickstart.yaml"; "quickstart_ci.yaml"; "long.yaml"; "track_quickstart.yaml"; "crowd_quickstart.yaml" ]

/// A work folder where defcn_r50_coco.yaml's relative COCO paths and weights exist.
let private withCocoLayout (f: string -> 'a) =
    withFiles
        [ "datasets/coco/train2017/.keep", ""
          "datasets/coco/val2017/.keep", ""
          "datasets/coco/annotations/instances_train2017.json", "{}"
          "datasets/coco/annotations/instances_val2017.json", "{}"
          "pretrained/R-50.pkl", "" ]
        f

let private load file overrides = valueOf (Config.loadIn repoRoot (experiment file) overrides)

let private roundTrip (workDir: string) (resolved: ResolvedConfig) =
    let text = Config.toYaml resolved
    withFiles [ "printed.yaml", text ] (fun dir ->
        let again = valueOf (Config.loadIn workDir (Path.Combine(dir, "printed.yaml")) [])
        Expect.equal again.Config resolved.Config "typed config equal after print + load"
        Expect.equal (Config.flatten again) (Config.flatten resolved) "flattened params equal"
        Expect.equal (Config.toYaml again) text "printing is stable")

[<Tests>]
let tests =
    testList
        "Config"
        [ testList
              "shipped files"
              [ yield! shipped |> List.map (fun file -> test (sprintf "%s loads, validates and prints back to itself" file) { roundTrip repoRoot (load file []) })
                test "defcn_r50_coco.yaml loads once its COCO folder and weights exist" {
                    withCocoLayout (fun work ->
                        let r = valueOf (Config.loadIn work (experiment "defcn_r50_coco.yaml") [])
                        Expect.equal r.Config.Data.Train (Coco("datasets/coco/train2017", "datasets/coco/annotations/instances_train2017.json", false)) "train split"
                        Expect.equal r.Config.Model.Backbone.Weights (Some "pretrained/R-50.pkl") "weights"
                        Expect.equal r.Config.Model.NumClasses 80 "COCO classes"
                        roundTrip work r)
                }
                test "defcn_r50_coco.yaml without the COCO folder names the missing path" {
                    withFiles [] (fun work ->
                        let e = errorOf (Config.loadIn work (experiment "defcn_r50_coco.yaml") [])
                        Expect.stringContains e.Text "defcn_r50_coco.yaml:11: data.train.images = 'datasets/coco/train2017': directory not found" "message")
                } ]
          test "base.yaml holds the reference DeFCN settings" {
              let c = (load "base.yaml" []).Config
              Expect.equal c.Model.Backbone { Depth = 50; Norm = FrozenBN; FreezeAt = 2; StrideIn1x1 = true; StemOutChannels = 64; Res2OutChannels = 256; WidthPerGroup = 64; NumGroups = 1; Weights = None; WeightsStrict = true } "R-50 FrozenBN"
              Expect.equal c.Model.Fpn { OutChannels = 256; TopLevel = 7; Norm = NoNorm } "FPN P3-P7 256"
              Expect.equal c.Model.Head { NumConvs = 4; PriorProb = 0.01; Norm = GN; Centerness = None } "head"
              Expect.equal c.Model.Fcos { CenterSamplingRadius = 1.5; SizeBounds = [ 64.0; 128.0; 256.0; 512.0 ]; RegWeight = 1.0 } "FCOS (cvpods, no REG_WEIGHT)"
              Expect.equal c.Model.Atss { AnchorScale = 8.0; Topk = 9; RegWeight = 2.0 } "ATSS (crowdhuman playground)"
              Expect.equal c.Model.Anchor { Sizes = [ 32.0; 64.0; 128.0; 256.0; 512.0 ] } "anchor rule sizes (ANCHOR_GENERATOR.SIZES)"
              Expect.equal c.Model.Filter { Enabled = true; KernelSize = 3; Tau = 2; Norm = GN } "3DMF k3 tau2"
              Expect.equal c.Model.Poto { Alpha = 0.8; CenterSamplingRadius = 1.5; AuxTopk = 9 } "POTO"
              Expect.equal c.Model.Loss { FocalAlpha = 0.25; FocalGamma = 2.0; RegWeight = 2.0; Aux = true } "losses"
              Expect.equal c.Model.Test { ScoreThresh = 0.05; TopkCandidates = 1000; NmsThresh = 1.0; DetectionsPerImage = 100 } "inference"
              Expect.equal (c.Solver.BaseLr, c.Solver.Momentum, c.Solver.WeightDecay) (0.01, 0.9, 1e-4) "SGD"
              Expect.equal (c.Solver.WarmupIters, c.Solver.WarmupFactor, c.Solver.LrSchedule) (1000, 0.001, Step) "warm-up"
              Expect.equal c.Input.PixelMean [ 103.53; 116.28; 123.675 ] "BGR mean"
              Expect.equal c.Input.PixelStd [ 1.0; 1.0; 1.0 ] "std"
          }
          test "quickstart follows the calibrated recipe" {
              let c = (load "quickstart.yaml" []).Config
              Expect.equal (c.Model.Backbone.Depth, c.Model.Backbone.Norm, c.Model.Backbone.FreezeAt, c.Model.Backbone.StemOutChannels) (18, BN, 0, 32) "half-width R-18 with BN"
              Expect.equal (c.Model.Fpn.OutChannels, c.Model.Fpn.TopLevel) (64, 5) "P3-P5 at 64"
              Expect.equal (c.Solver.BatchSize, c.Solver.BaseLr, c.Solver.LrSchedule) (8, 0.02, Cosine) "batch 8, lr 0.02, cosine"
              Expect.isTrue (c.Solver.MaxIter >= 2000 && c.Solver.MaxIter <= 2500) "2000-2500 iterations (2400 measured: AP50 0.66 in ~10 min)"
              Expect.equal c.Data.Synthetic.ImageSize 192 "192 px"
              // Inherited untouched from base.yaml (deep merge keeps siblings).
              Expect.equal c.Model.Backbone.WidthPerGroup 64 "sibling kept"
              Expect.equal c.Model.Poto.Alpha 0.8 "alpha from base"
          }
          test "a chain of bases merges all three files" {
              let c = (load "quickstart_ci.yaml" []).Config
              Expect.equal c.Solver.MaxIter 4 "from quickstart_ci"
              Expect.equal c.Solver.BaseLr 0.02 "from quickstart"
              Expect.equal c.Model.Test.TopkCandidates 1000 "from base"
              Expect.equal c.Data.Synthetic.CacheDir ".cache/synthetic_ci" "ci cache"
          }
          test "keys keep base order; a later base wins over an earlier one" {
              withFiles
                  [ "a.yaml", "x: 1\ny: {p: 1, q: 2}\n"
                    "b.yaml", "y: {q: 3}\nz: 4\n"
                    "c.yaml", "_base_: [a.yaml, b.yaml]\ny: {r: 5}\n" ]
                  (fun dir ->
                      let tree = valueOf (Inheritance.loadFile (Path.Combine(dir, "c.yaml")))
                      Expect.equal (YamlWriter.toText tree) "x: 1\ny:\n  p: 1\n  q: 3\n  r: 5\nz: 4\n" "merged tree")
          }
          test "_delete_ replaces a mapping instead of merging into it" {
              withFiles
                  [ "a.yaml", "data: {train: {kind: coco, images: i, annotations: a}}\n"
                    "b.yaml", "_base_: a.yaml\ndata:\n  train:\n    _delete_: true\n    kind: synthetic\n"
                    "c.yaml", "_base_: a.yaml\ndata:\n  train:\n    kind: synthetic\n" ]
                  (fun dir ->
                      let replaced = valueOf (Inheritance.loadFile (Path.Combine(dir, "b.yaml")))
                      Expect.equal (YamlWriter.toText replaced) "data:\n  train:\n    kind: synthetic\n" "replaced"
                      let merged = valueOf (Inheritance.loadFile (Path.Combine(dir, "c.yaml")))
                      Expect.equal (YamlWriter.toText merged) "data:\n  train:\n    kind: synthetic\n    images: i\n    annotations: a\n" "merged")
          }
          test "without _delete_ a leftover key of the base is reported" {
              withFiles [ "coco.yaml", baseQuickstart + "data:\n  train: {kind: coco, images: i, annotations: a}\n"; "back.yaml", "_base_: coco.yaml\ndata:\n  train: {kind: synthetic}\n" ] (fun dir ->
                  let e = errorOf (Config.loadIn dir (Path.Combine(dir, "back.yaml")) [])
                  Expect.stringContains e.Text "coco.yaml:3: unknown key 'data.train.images'" "leftover key named with its file")
          }
          testList
              "overrides"
              [ test "change, add, force-add and delete" {
                    let r =
                        load "quickstart.yaml"
                            [ "model.poto.alpha=0.6"; "~model.backbone.weights"; "+model.backbone.weights=null"; "++solver.max_iter=200"; "++name=x" ]
                    Expect.equal r.Config.Model.Poto.Alpha 0.6 "changed"
                    Expect.equal r.Config.Model.Backbone.Weights None "deleted then added"
                    Expect.equal r.Config.Solver.MaxIter 200 "force-set"
                    Expect.equal r.Config.Name "x" "name"
                }
                test "lists, quoted strings, maps and null" {
                    let r =
                        load "quickstart.yaml"
                            [ "input.min_size_train=[160, 192,224]"; "name='my run, v2'"; "tracking.experiment=\"a=b\""; "data.val={kind: synthetic}"; "eval.compare_nms_thresh=null" ]
                    Expect.equal r.Config.Input.MinSizeTrain [ 160; 192; 224 ] "list"
                    Expect.equal r.Config.Name "my run, v2" "single quotes keep commas"
                    Expect.equal r.Config.Tracking.Experiment "a=b" "double quotes"
                    Expect.equal r.Config.Data.Val Synthetic "map"
                    Expect.equal r.Config.Eval.CompareNmsThresh None "null"
                    roundTrip repoRoot r
                }
                test "a quoted number stays a string" {
                    let r = load "quickstart.yaml" [ "name='2024'" ]
                    Expect.equal r.Config.Name "2024" "string"
                    Expect.stringContains (Config.toYaml r) "name: \"2024\"" "printed quoted"
                    roundTrip repoRoot r
                }
                test "URLs and other values with = and : need no quotes" {
                    let r = load "quickstart.yaml" [ "tracking.uri=http://localhost:5000/?a=b" ]
                    Expect.equal r.Config.Tracking.Uri "http://localhost:5000/?a=b" "uri"
                    roundTrip repoRoot r
                }
                test "YAML 1.1 booleans stay strings when printed" {
                    let r = load "quickstart.yaml" [ "name=yes" ]
                    Expect.equal r.Config.Name "yes" "string"
                    Expect.stringContains (Config.toYaml r) "name: \"yes\"" "quoted for PyYAML"
                }
                test "Windows line endings load the same" {
                    let text = File.ReadAllText(experiment "quickstart.yaml").Replace("\n", "\r\n").Replace("base.yaml", experiment "base.yaml")
                    withFiles [ "crlf.yaml", text ] (fun dir ->
                        let r = valueOf (Config.loadIn dir (Path.Combine(dir, "crlf.yaml")) [])
                        Expect.equal r.Config (load "quickstart.yaml" []).Config "same config")
                }
                test "sweep functions choice() and range()" {
                    let values text = (valueOf (Overrides.parse text)).Values |> List.map Overrides.valueText
                    Expect.equal (values "a=choice(0.2, 0.5,0.8)") [ "0.2"; "0.5"; "0.8" ] "choice"
                    Expect.equal (values "a=range(1,5)") [ "1"; "2"; "3"; "4" ] "int range"
                    Expect.equal (values "a=range(0,1,0.25)") [ "0.0"; "0.25"; "0.5"; "0.75" ] "float range"
                    Expect.equal (values "a=range(0,0.5,0.1)") [ "0.0"; "0.1"; "0.2"; "0.3"; "0.4" ] "no 0.30000000000000004"
                    Expect.equal (values "a=range(4,0,-2)") [ "4"; "2" ] "downwards"
                    Expect.stringContains (errorOf (Overrides.parse "a=range(0,1,0)")).Text "range() takes numbers" "zero step"
                    Expect.stringContains (errorOf (Overrides.parse "a=range(x,1)")).Text "range() takes numbers" "not numbers"
                }
                test "rendered override values parse back to the same values" {
                    let src = Generated
                    let values =
                        [ YamlTree.Scalar("it's", true, src); YamlTree.Scalar("a,b", true, src); YamlTree.Scalar("x: y", true, src)
                          YamlTree.Scalar("[1]", true, src); YamlTree.Scalar("", true, src); YamlTree.Scalar(" lead", true, src)
                          YamlTree.Scalar("null", true, src); YamlTree.Scalar("1.0", true, src); YamlTree.Scalar("true", true, src)
                          YamlTree.Scalar("back\\slash", true, src); YamlTree.Scalar("1e-4", false, src); YamlTree.Scalar("null", false, src)
                          YamlTree.Seq([ YamlTree.Scalar("a b", true, src); YamlTree.Scalar("2", false, src) ], src)
                          YamlTree.Map([ { Key = "kind"; KeySource = src; Value = YamlTree.Scalar("coco", false, src) } ], src) ]
                    for v in values do
                        let text = Overrides.render Overrides.ForceAdd "k" v
                        let parsed = valueOf (Overrides.parse text)
                        Expect.isTrue (YamlTree.sameValue parsed.Values.Head v) (sprintf "%s gives %A" text parsed.Values.Head)
                }
                test "overrides apply in order" {
                    let r = load "quickstart.yaml" [ "model.poto.alpha=0.1"; "model.poto.alpha=0.3" ]
                    Expect.equal r.Config.Model.Poto.Alpha 0.3 "last wins"
                }
                test "the parsed form of a multirun override" {
                    let o = valueOf (Overrides.parse "model.poto.alpha=0.2,0.5, 0.8")
                    Expect.equal o.Key "model.poto.alpha" "key"
                    Expect.equal (o.Values |> List.map Overrides.valueText) [ "0.2"; "0.5"; "0.8" ] "three values"
                    let l = valueOf (Overrides.parse "input.min_size_train=[1,2],[3]")
                    Expect.equal (l.Values |> List.map Overrides.valueText) [ "[1,2]"; "[3]" ] "two list values"
                } ]
          test "flatten gives canonical dotted params" {
              let flat = Config.flatten (load "base.yaml" []) |> Map.ofList
              Expect.equal flat["model.poto.alpha"] "0.8" "float"
              Expect.equal flat["solver.weight_decay"] "0.0001" "1.0e-4 canonical"
              Expect.equal flat["input.pixel_mean"] "[103.53, 116.28, 123.675]" "list"
              Expect.equal flat["data.train.kind"] "synthetic" "nested"
              Expect.equal flat["model.backbone.weights"] "null" "null"
              Expect.equal flat["model.loss.aux"] "true" "bool"
              Expect.equal flat["solver.max_iter"] "270000" "int"
              Expect.equal (Config.tryGet "model.filter" (load "base.yaml" [])) (Some "{enabled: true, kernel_size: 3, tau: 2, norm: GN}") "section as flow YAML"
          }
          test "params are valid MLflow keys, at most 100 (one batch), values short" {
              let flat = Config.flatten (load "base.yaml" [])
              let keyPattern = System.Text.RegularExpressions.Regex @"^[A-Za-z0-9_\-. /]+$"
              for k, v in flat do
                  Expect.isTrue (keyPattern.IsMatch k && not (k.Contains "..")) (sprintf "key %s" k)
                  Expect.isLessThanOrEqual v.Length 500 (sprintf "value of %s" k)
              // MLflow takes at most 100 params per log-batch; the REST client splits larger sets (MlflowRestClientTests).
              Expect.isLessThanOrEqual flat.Length 200 "a bounded number of params"
          }
          test "every schema key is set in base.yaml" {
              let flat = Config.flatten (load "base.yaml" []) |> List.map fst
              let leaves = Config.validKeys |> List.filter (fun k -> not (Config.validKeys |> List.exists (fun o -> o.StartsWith(k + "."))))
              let optionalCoco =
                  [ for split in [ "data.train"; "data.val" ] do
                        for key in [ "images"; "annotations"; "on_error"; "dir"; "box" ] -> split + "." + key ]
              Expect.equal (leaves |> List.except optionalCoco |> List.sort) (List.sort flat) "base.yaml covers the schema"
          }
          testList
              "did you mean"
              [ test "transposition" { Expect.equal (DidYouMean.suggest Config.validKeys "model.poto.alpah") (Some "model.poto.alpha") "alpah" }
                test "same name in another section" { Expect.equal (DidYouMean.suggest Config.validKeys "model.tau") (Some "model.filter.tau") "tau" }
                test "contained name" { Expect.equal (DidYouMean.suggest Config.validKeys "solver.lr") (Some "solver.base_lr") "lr" }
                test "nothing close" { Expect.equal (DidYouMean.suggest Config.validKeys "qqqqqqqq") None "none" }
                test "distance counts a swap as one edit" { Expect.equal (DidYouMean.distance "alpha" "alpah") 1 "swap" } ]
          test "an error prints as one or two lines and exit code 2" {
              let e = ConfigError.withHint (InFile("a.yaml", 3, 1)) "bad" "fix it"
              Expect.equal e.Text (sprintf "a.yaml:3: bad%s  fix it" System.Environment.NewLine) "text"
              Expect.equal ConfigError.ExitCode 2 "exit code"
          } ]
