/// The scripts' command lines: flags, overrides, help and one-line errors, and the Slurm options they
/// give the emitter.
module Research.Experiments.Tests.ScriptArgsTests

open Expecto
open Research.Experiments
open Research.Experiments.ScriptArgs
open Research.Experiments.Tests.TestFiles

let private ok result =
    match result with
    | Ok(Args a) -> a
    | Ok Help -> failtest "expected arguments, got help"
    | Error e -> failtestf "expected arguments, got error %s" e

let private err result =
    match result with
    | Error e -> e
    | Ok v -> failtestf "expected an error, got %A" v

[<Tests>]
let tests =
    testList
        "ScriptArgs"
        [ test "run.fsx: config, overrides and flags in any order" {
              let a = ok (parseRun [ "experiments/quickstart.yaml"; "model.poto.alpha=0.6"; "--resume"; "~eval.period"; "--parent-run-id"; "abc"; "--run-name"; "q[alpha=0.6]"; "--dry-run" ])
              Expect.equal a.ConfigPath "experiments/quickstart.yaml" "config"
              Expect.equal a.Overrides [ "model.poto.alpha=0.6"; "~eval.period"; "resume=true" ] "overrides, --resume last"
              Expect.equal (a.ParentRunId, a.RunName, a.DryRun, a.PrintConfig) (Some "abc", Some "q[alpha=0.6]", true, false) "flags"
          }
          test "run.fsx: help and errors" {
              Expect.equal (parseRun [ "x.yaml"; "--help" ]) (Ok Help) "help"
              Expect.equal (parseRun [ "-h" ]) (Ok Help) "-h"
              Expect.stringContains (err (parseRun [])) "missing the config file" "no config"
              Expect.equal (err (parseRun [ "x.yaml"; "--print-cfg" ])) "unknown option '--print-cfg'; did you mean '--print-config'?" "typo"
              Expect.equal (err (parseRun [ "x.yaml"; "y.yaml" ])) "'y.yaml' is not an override (key=value, +key=value, ~key)" "two configs"
              Expect.equal (err (parseRun [ "x.yaml"; "--run-name" ])) "--run-name needs a value" "missing value"
              Expect.stringContains runUsage "--print-config" "usage lists flags"
          }
          test "predict.fsx: the first positional is the config, the others images and folders in order; flags and overrides anywhere" {
              let a = ok (parsePredict [ "c.yaml"; "imgs"; "--checkpoint"; "m.ckpt"; "threads=1"; "a.png"; "--score-thresh"; "0.5"; "--output"; "out"; "--recursive" ])
              Expect.equal a.ConfigPath "c.yaml" "config"
              Expect.equal a.Inputs [ "imgs"; "a.png" ] "inputs in command-line order"
              Expect.equal a.Overrides [ "threads=1" ] "overrides"
              Expect.equal (a.Checkpoint, a.Output, a.ScoreThresh, a.Recursive) ("m.ckpt", Some "out", Some 0.5, true) "flags"
              let d = ok (parsePredict [ "c.yaml"; "--checkpoint"; "m.ckpt"; "imgs" ])
              Expect.equal (d.Output, d.ScoreThresh, d.Recursive) (None, None, false) "defaults: output folder and threshold from the config, one level deep"
          }
          test "predict.fsx: help and one-line errors" {
              Expect.equal (parsePredict [ "c.yaml"; "--help" ]) (Ok Help) "help"
              Expect.stringContains (err (parsePredict [])) "missing the config file" "no config"
              Expect.stringContains (err (parsePredict [ "c.yaml"; "--checkpoint"; "m.ckpt" ])) "missing the images" "no images"
              Expect.stringContains (err (parsePredict [ "c.yaml"; "imgs" ])) "missing --checkpoint PATH" "no checkpoint"
              Expect.equal (err (parsePredict [ "c.yaml"; "imgs"; "--checkpoint" ])) "--checkpoint needs a value" "checkpoint without a path"
              Expect.equal (err (parsePredict [ "c.yaml"; "imgs"; "--checkpoint"; "m"; "--score-thresh"; "high" ])) "--score-thresh needs a score between 0 and 1, got 'high'" "not a number"
              Expect.equal (err (parsePredict [ "c.yaml"; "imgs"; "--checkpoint"; "m"; "--score-thresh"; "1.5" ])) "--score-thresh needs a score between 0 and 1, got '1.5'" "out of range"
              Expect.equal (err (parsePredict [ "c.yaml"; "imgs"; "--checkpoint"; "m"; "--outptu"; "o" ])) "unknown option '--outptu'; did you mean '--output'?" "typo"
              Expect.stringContains (err (parsePredict [ "c.yaml"; "imgs"; "--checkpoint"; "m"; "--onnx"; "m.onnx" ])) "unknown option '--onnx'" "no ONNX predictor yet"
              Expect.stringContains predictUsage "--score-thresh" "usage lists flags"
          }
          test "sweep.fsx: default action runs here; multirun overrides kept verbatim" {
              let a = ok (parseSweep [ "experiments/quickstart.yaml"; "model.poto.alpha=0.2,0.8"; "--dry-run" ])
              Expect.equal (a.SweepPath, a.Overrides, a.Action, a.DryRun) ("experiments/quickstart.yaml", [ "model.poto.alpha=0.2,0.8" ], RunHere, true) "parsed"
          }
          test "sweep.fsx: --emit slurm with its settings, and the Slurm script's own flags" {
              let a = ok (parseSweep [ "s.yaml"; "--partition"; "cpu"; "--emit"; "slurm"; "--mem"; "8"; "--max-parallel"; "2"; "--tracking"; "http://mlflow:5000" ])
              match a.Action with
              | EmitSlurm s ->
                  Expect.equal (s.Partition, s.MemoryGb, s.MaxParallel, s.TrackingUri, s.Cpus) (Some "cpu", Some 8, Some 2, Some "http://mlflow:5000", None) "settings"
              | other -> failtestf "expected EmitSlurm, got %A" other
              Expect.equal (ok (parseSweep [ "s.yaml"; "tracking.uri=/m"; "--create-parent" ])).Action CreateParent "parent"
              Expect.equal (ok (parseSweep [ "s.yaml"; "--collect"; "run1" ])).Action (Collect "run1") "collect"
          }
          test "sweep.fsx: errors" {
              Expect.equal (err (parseSweep [ "s.yaml"; "--emit"; "pbs" ])) "--emit supports 'slurm', got 'pbs'" "scheduler"
              Expect.stringContains (err (parseSweep [ "s.yaml"; "--partition"; "cpu" ])) "go with --emit slurm" "slurm flag alone"
              Expect.equal (err (parseSweep [ "s.yaml"; "--emit"; "slurm"; "--mem"; "lots" ])) "--mem needs a positive integer, got 'lots'" "number"
              Expect.equal (err (parseSweep [ "s.yaml"; "--create-parent"; "--collect"; "r" ])) "choose one of --emit slurm, --create-parent and --collect" "two actions"
              Expect.equal (err (parseSweep [ "s.yaml"; "--colect"; "r" ])) "unknown option '--colect'; did you mean '--collect'?" "typo"
          }
          test "Slurm options: tracking defaults to the config's store made absolute" {
              let plan = valueOf (Sweep.expandIn repoRoot (experiment "sweeps/aux.yaml") [])
              let settings = match (ok (parseSweep [ "s.yaml"; "--emit"; "slurm"; "--cpus"; "4" ])).Action with EmitSlurm s -> s | _ -> failtest "emit"
              let o = SlurmEmitter.optionsFrom settings "/shared/research" plan
              Expect.equal (o.WorkDir, o.TrackingUri, o.CpusPerTask) ("/shared/research", "/shared/research/mlruns", 4) "defaults"
              let http = SlurmEmitter.optionsFrom { settings with TrackingUri = Some "http://mlflow:5000"; WorkDir = Some "/w" } "/ignored" plan
              Expect.equal (http.WorkDir, http.TrackingUri) ("/w", "http://mlflow:5000") "explicit"
          } ]
