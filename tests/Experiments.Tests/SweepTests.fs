/// Sweep grids (files and multirun overrides), child names and command lines, validation of every point,
/// and resume matching against runs already in the store.
module Research.Experiments.Tests.SweepTests

open System.IO
open Expecto
open Research.Experiments
open Research.Experiments.Tests.TestFiles

let private expand file overrides = valueOf (Sweep.expandIn repoRoot (experiment file) overrides)

let private finished (child: SweepChild) =
    { RunId = sprintf "run%d" child.Index; Status = "FINISHED"; Params = Map.ofList (Config.flatten child.Resolved) }

[<Tests>]
let tests =
    testList
        "Sweep"
        [ test "grid is the cartesian product, last key fastest" {
              let g = Sweep.grid [ "a", [ 1; 2 ]; "b", [ 10; 20; 30 ] ]
              Expect.equal g [ for a in [ 1; 2 ] do for b in [ 10; 20; 30 ] -> [ "a", a; "b", b ] ] "order"
              Expect.equal (Sweep.grid ([]: (string * int list) list)) [ [] ] "no axes: one empty point"
          }
          test "alpha.yaml gives six children in file order" {
              let plan = expand "sweeps/alpha.yaml" []
              Expect.equal plan.ConfigPath "experiments/quickstart.yaml" "base experiment, relative to the work dir"
              Expect.equal plan.SweptKeys [ "model.poto.alpha" ] "axis"
              Expect.equal plan.Name "sweep_alpha" "sweep name"
              Expect.equal (plan.Children |> List.map (fun c -> c.Name)) [ for a in [ "0.0"; "0.2"; "0.4"; "0.6"; "0.8"; "1.0" ] -> sprintf "sweep_alpha[alpha=%s]" a ] "names"
              Expect.equal (plan.Children |> List.map (fun c -> c.Resolved.Config.Model.Poto.Alpha)) [ 0.0; 0.2; 0.4; 0.6; 0.8; 1.0 ] "values"
              for c in plan.Children do
                  Expect.equal c.Resolved.Config.Tracking.Experiment "ablation_alpha" "sweep file settings apply to every child"
                  Expect.equal c.Resolved.Config.Model.Backbone.Depth 18 "quickstart model"
          }
          test "every shipped sweep expands and validates" {
              let sizes =
                  [ "alpha", 6; "tau", 3; "kernel", 3; "nms", 2; "filter", 2; "aux", 2; "assignment", 7 ]
                  |> List.map (fun (name, n) -> name, (expand (sprintf "sweeps/%s.yaml" name) []).Children.Length, n)
              for name, got, want in sizes do
                  Expect.equal got want (sprintf "%s children" name)
              let nms = expand "sweeps/nms.yaml" []
              Expect.equal (nms.Children |> List.map (fun c -> c.Resolved.Config.Model.Test.NmsThresh, c.Resolved.Config.Eval.CompareNmsThresh)) [ 1.0, None; 0.6, None ] "NMS vs none"
              let rules = expand "sweeps/assignment.yaml" []
              Expect.equal (rules.Children |> List.map (fun c -> c.Resolved.Config.Model.Assignment)) [ Poto; PotoArgmax; ForegroundLoss; Center; Anchor; Fcos; Atss ] "the five one-to-one rules and the two baselines"
              Expect.isTrue (rules.Children |> List.forall (fun c -> not c.Resolved.Config.Model.Filter.Enabled && not c.Resolved.Config.Model.Loss.Aux)) "all on the plain head"
          }
          test "a child's command line reproduces its config exactly" {
              for plan in [ expand "sweeps/tau.yaml" [ "solver.max_iter=300" ]; expand "quickstart.yaml" [ "model.poto.alpha=0.2,0.5"; "input.min_size_train=[160],[192,224]" ] ] do
                  for c in plan.Children do
                      let again = valueOf (Config.loadIn repoRoot (Path.Combine(repoRoot, plan.ConfigPath)) c.Overrides)
                      Expect.equal (Config.flatten again) (Config.flatten c.Resolved) c.Name
                      Expect.equal (Sweep.signature again) c.Signature "signature"
          }
          test "multirun overrides on a plain config" {
              let plan = expand "quickstart.yaml" [ "model.poto.alpha=0.2,0.8"; "model.filter.tau=0,2"; "solver.max_iter=500" ]
              Expect.equal plan.SweptKeys [ "model.poto.alpha"; "model.filter.tau" ] "axes in command-line order"
              Expect.equal (plan.Children |> List.map (fun c -> c.Name)) [ "quickstart[alpha=0.2,tau=0]"; "quickstart[alpha=0.2,tau=2]"; "quickstart[alpha=0.8,tau=0]"; "quickstart[alpha=0.8,tau=2]" ] "names"
              Expect.isTrue (plan.Children |> List.forall (fun c -> c.Resolved.Config.Solver.MaxIter = 500)) "single override on every child"
          }
          test "range() as a multirun axis" {
              let plan = expand "quickstart.yaml" [ "model.poto.alpha=range(0,1.01,0.5)" ]
              Expect.equal (plan.Children |> List.map (fun c -> c.Resolved.Config.Model.Poto.Alpha)) [ 0.0; 0.5; 1.0 ] "alphas"
          }
          test "the command line fixes or replaces a sweep file's axis" {
              let fixedPlan = expand "sweeps/alpha.yaml" [ "model.poto.alpha=0.5" ]
              Expect.equal (fixedPlan.Children |> List.map (fun c -> c.Resolved.Config.Model.Poto.Alpha)) [ 0.5 ] "one value fixes the key"
              Expect.equal fixedPlan.SweptKeys [] "no axis left"
              let replaced = expand "sweeps/alpha.yaml" [ "model.poto.alpha=0.1,0.9"; "model.loss.aux=true,false" ]
              Expect.equal (replaced.Children |> List.map (fun c -> c.Assignments)) [ [ "model.poto.alpha", "0.1"; "model.loss.aux", "true" ]; [ "model.poto.alpha", "0.1"; "model.loss.aux", "false" ]; [ "model.poto.alpha", "0.9"; "model.loss.aux", "true" ]; [ "model.poto.alpha", "0.9"; "model.loss.aux", "false" ] ] "replaced and added"
          }
          test "short names fall back to the full key when last names clash" {
              let names = Sweep.shortNames [ "model.head.norm"; "model.filter.norm"; "model.poto.alpha" ]
              Expect.equal names (Map.ofList [ "model.head.norm", "model.head.norm"; "model.filter.norm", "model.filter.norm"; "model.poto.alpha", "alpha" ]) "names"
          }
          test "a bad grid point is refused before anything runs, naming the point" {
              let e = errorOf (Sweep.expandIn repoRoot (experiment "quickstart.yaml") [ "model.filter.tau=2,3" ])
              Expect.stringContains e.Text "override 'model.filter.tau=2,3': sweep point [tau=3]: model.filter.tau = 3 must be an even integer" "message"
          }
          test "a grid too large to run is refused before it is built" {
              let e = errorOf (Sweep.expandIn repoRoot (experiment "quickstart.yaml") [ "seed=range(0,1000)"; "model.poto.alpha=range(0,1,0.01)" ])
              Expect.stringContains e.Text "the sweep has 100000 points, more than 10000" "message"
              Expect.stringContains e.Text "axes: seed (1000) x model.poto.alpha (100)" "axes"
          }
          test "a bad value in a sweep file names its line" {
              withFiles [ "s.yaml", baseQuickstart + "sweep:\n  model.filter.tau: [0, 1]\n" ] (fun dir ->
                  let e = errorOf (Sweep.expandIn dir (Path.Combine(dir, "s.yaml")) [])
                  Expect.stringContains e.Text "s.yaml:3: sweep point [tau=1]: model.filter.tau = 1 must be an even integer" "message")
          }
          test "sweep file mistakes" {
              let cases =
                  [ "sweep:\n  model.poto.alpah: [0.1]\n", "s.yaml:3: unknown key 'model.poto.alpah'; did you mean 'model.poto.alpha'?"
                    "sweep:\n  model.poto.alpha: 0.1\n", "s.yaml:3: sweep.model.poto.alpha must be a non-empty list of values"
                    "sweep:\n  model.poto.alpha: [0.1, 0.1]\n", "s.yaml:3: sweep.model.poto.alpha repeats the value 0.1"
                    "sweep: [1]\n", "s.yaml:2: sweep: must map dotted keys to lists of values"
                    "model:\n  _delete_: true\nsweep:\n  seed: [1]\n", "s.yaml:3: _delete_ is not supported in sweep files"
                    "solver:\n  lrr: 1\nsweep:\n  seed: [1]\n", "s.yaml:3: unknown key 'solver.lrr'" ]
              for yaml, expected in cases do
                  withFiles [ "s.yaml", baseQuickstart + yaml ] (fun dir ->
                      let e = errorOf (Sweep.expandIn dir (Path.Combine(dir, "s.yaml")) [])
                      Expect.stringContains e.Text expected yaml)
              withFiles [ "s.yaml", "sweep:\n  seed: [1]\n" ] (fun dir ->
                  let e = errorOf (Sweep.expandIn dir (Path.Combine(dir, "s.yaml")) [])
                  Expect.stringContains e.Text "a sweep file needs _base_" "no base")
          }
          testList
              "resume"
              [ test "children already FINISHED with the same params are skipped" {
                    let plan = expand "sweeps/alpha.yaml" []
                    let runs = [ finished plan.Children[1]; finished plan.Children[4] ]
                    Expect.equal (Sweep.pending runs plan |> List.map (fun c -> c.Index)) [ 0; 2; 3; 5 ] "pending"
                    let matched = Sweep.matchPrior runs plan |> List.choose (fun (c, r) -> r |> Option.map (fun r -> c.Index, r.RunId))
                    Expect.equal matched [ 1, "run1"; 4, "run4" ] "matched runs"
                }
                test "FAILED or RUNNING runs are not matched" {
                    let plan = expand "sweeps/alpha.yaml" []
                    let runs = [ { finished plan.Children[0] with Status = "FAILED" }; { finished plan.Children[1] with Status = "RUNNING" } ]
                    Expect.equal (Sweep.pending runs plan).Length 6 "all pending"
                }
                test "a run with any other param value is not a match" {
                    let plan = expand "sweeps/alpha.yaml" []
                    let run = finished plan.Children[0]
                    let changed = { run with Params = run.Params.Add("solver.max_iter", "1801") }
                    Expect.isFalse (Sweep.matchesFinished plan.Children[0] changed) "base setting changed"
                    let missing = { run with Params = run.Params.Remove "model.poto.alpha" }
                    Expect.isFalse (Sweep.matchesFinished plan.Children[0] missing) "swept param missing"
                    Expect.isFalse (Sweep.matchesFinished plan.Children[1] run) "another child's run"
                }
                test "execution-only keys do not matter" {
                    let plan = expand "sweeps/alpha.yaml" []
                    let run = finished plan.Children[2]
                    let moved = { run with Params = run.Params.Add("tracking.uri", "http://elsewhere:5000").Add("threads", "8").Remove("resume") }
                    Expect.isTrue (Sweep.matchesFinished plan.Children[2] moved) "matched"
                    let other = expand "sweeps/alpha.yaml" [ "tracking.uri=/shared/mlruns"; "threads=2" ]
                    Expect.equal (other.Children |> List.map (fun c -> c.Signature)) (plan.Children |> List.map (fun c -> c.Signature)) "same signatures"
                }
                test "signatures differ between children and are stable" {
                    let a = expand "sweeps/alpha.yaml" []
                    let b = expand "sweeps/alpha.yaml" []
                    Expect.equal (a.Children |> List.map (fun c -> c.Signature)) (b.Children |> List.map (fun c -> c.Signature)) "stable"
                    Expect.equal (a.Children |> List.map (fun c -> c.Signature) |> List.distinct).Length 6 "distinct"
                } ] ]
