module Research.Experiments.Tests.CompareTests

open System
open System.IO
open Expecto
open Research.Core.Mlflow
open Research.Experiments
open Research.Experiments.Tests.CompareFixture

[<Tests>]
let selectionTests =
    testList "Compare.selection" [
        test "--parent selects the sweep's six children" {
            let s = selectOk (CompareSource.Parent (sweeps ()).AlphaTauParent)
            Expect.equal (runIds s) ((sweeps ()).Children |> Map.values |> set) "the six children"
            Expect.equal s.Label (sweeps ()).AlphaTauParent "label = parent id"
            Expect.equal s.Title (sprintf "sweep alpha-tau (%s), experiment ablation" (sweeps ()).AlphaTauParent) "title"
        }
        test "--experiment picks its most recent sweep, not the older one" {
            let s = selectOk (CompareSource.Experiment("ablation", false))
            Expect.equal (s.Parent |> Option.map (fun p -> p.Info.RunId)) (Some (sweeps ()).AlphaTauParent) "newest sweep of ablation"
            Expect.equal s.Runs.Length 6 "six children"
        }
        test "--experiment --all takes every run but the parents" {
            let s = selectOk (CompareSource.Experiment("ablation", true))
            Expect.equal s.Runs.Length 7 "6 alpha-tau children + 1 old child"
            Expect.isFalse (s.Runs |> List.exists (fun r -> r.Info.RunId = (sweeps ()).AlphaTauParent || r.Info.RunId = (sweeps ()).OldParent)) "no parent"
            Expect.equal s.Title "experiment ablation" "title"
        }
        test "an experiment without a sweep gives all its runs" {
            let s = selectOk (CompareSource.Experiment("baseline", false))
            Expect.equal (runIds s) (set (sweeps ()).Baseline) "both baseline runs"
            Expect.isNone s.Parent "no parent"
        }
        test "no argument: the newest sweep of the whole store" {
            let s = selectOk CompareSource.LatestSweep
            Expect.equal (s.Parent |> Option.map (fun p -> p.Info.RunId)) (Some (sweeps ()).NormParent) "the norm sweep is the newest"
        }
        test "an older sweep by its parent id" {
            let s = selectOk (CompareSource.Parent (sweeps ()).OldParent)
            Expect.equal (s.Runs |> List.map (fun r -> r.Name)) [ "kernel-5" ] "its one child"
        }
        test "a sweep without research tags is found through mlflow.parentRunId" {
            let s = selectOk (CompareSource.Experiment("untagged", false))
            Expect.equal (s.Parent |> Option.map (fun p -> p.Info.RunId)) (Some (sweeps ()).UntaggedParent) "parent found"
            Expect.equal s.Runs.Length 4 "four children"
        }
    ]

[<Tests>]
let errorTests =
    testList "Compare.errors" [
        test "unknown run id" {
            let e = selectError (CompareSource.Parent "0123456789abcdef0123456789abcdef")
            Expect.stringContains e "Unknown run id '0123456789abcdef0123456789abcdef'" "names the id"
            Expect.stringContains e (sweeps ()).Root "names the store"
        }
        test "a child's id points at its sweep" {
            let e = selectError (CompareSource.Parent (child "0.2" "2"))
            Expect.stringContains e (sprintf "is a child of sweep %s: compare that sweep with --parent %s" (sweeps ()).AlphaTauParent (sweeps ()).AlphaTauParent) "points at the parent"
        }
        test "a standalone run is not a sweep" {
            let e = selectError (CompareSource.Parent (List.head (sweeps ()).Baseline))
            Expect.stringContains e "has no child runs: it is not a sweep's parent (use --experiment baseline" "suggests the experiment"
        }
        test "unknown experiment, with did-you-mean and the list" {
            let e = selectError (CompareSource.Experiment("ablaton", false))
            Expect.stringContains e "Unknown experiment 'ablaton'" "names it"
            Expect.stringContains e "(did you mean 'ablation'?)" "did you mean"
            Expect.stringContains e "experiments there: Default, ablation, norm, baseline, untagged." "lists the experiments (creation order)"
        }
        test "no sweep in a store of standalone runs" {
            let root = tempDir ()
            do
                use t = new MlflowTracker(root)
                let exp = t.Store.GetOrCreateExperiment "solo"
                let id = createRun t.Store exp "only" t0 []
                finishRun t.Store id RunStatus.Finished t0 [ "seed", "1" ] [ "bbox/AP", 0.1 ]
            use t = new MlflowTracker(root)
            match CompareSelect.select t CompareSource.LatestSweep with
            | Error e ->
                Expect.stringContains e "No sweep found in the store" "no sweep"
                Expect.stringContains e "experiments there: Default, solo" "lists the experiments"
                Expect.stringContains e "--experiment NAME" "says what to do"
            | Ok s -> failtestf "expected no sweep, got %s" s.Title
        }
        test "a sweep whose children have not started yet" {
            let root = tempDir ()
            let parent =
                use t = new MlflowTracker(root)
                let exp = t.Store.GetOrCreateExperiment "starting"
                createRun t.Store exp "just-started" t0 [ CompareSelect.SweepTag, "parent" ]
            let code, _, err = command [ "--uri"; root ]
            Expect.equal code 2 "exit 2"
            Expect.stringContains err (sprintf "error: Sweep run %s ('just-started') has no child runs yet: nothing to compare." parent) "message"
        }
        test "no sweep in an empty store" {
            let code, _, err = command [ "--uri"; Path.Combine(tempDir (), "nothing") ]
            Expect.equal code 2 "exit 2"
            Expect.stringContains err "error: No sweep found: the store" "message"
            Expect.stringContains err "holds no experiment" "says why"
        }
        test "a metric no run logged lists the existing ones, with did-you-mean" {
            match CompareTable.build (selectOk (CompareSource.Parent (sweeps ()).AlphaTauParent)) [ "bbox/AP"; "bbox/AP5" ] with
            | Error e ->
                Expect.equal e "Metric 'bbox/AP5' was logged by none of the 6 compared runs (did you mean 'bbox/AP'?); metrics that exist: bbox/AP, bbox/AP50, bbox_nms/AP50, loss_cls." "message"
            | Ok _ -> failtest "expected an error"
        }
        test "a metric error exits 2 through the command" {
            let code, _, err = command [ "--uri"; (sweeps ()).Root; "--parent"; (sweeps ()).AlphaTauParent; "--metric"; "AP75"; "--out"; tempDir () ]
            Expect.equal code 2 "exit 2"
            Expect.stringContains err "error: Metric 'AP75' was logged by none of the 6 compared runs; metrics that exist: bbox/AP, bbox/AP50, bbox_nms/AP50, loss_cls." "message"
        }
        test "an unknown run id exits 2 through the command" {
            let code, out, err = command [ "--uri"; (sweeps ()).Root; "--parent"; "nope" ]
            Expect.equal code 2 "exit 2"
            Expect.stringContains err "Unknown run id 'nope'" "message"
            Expect.equal out "" "nothing on stdout"
        }
    ]

[<Tests>]
let commandTests =
    testList "Compare.command" [
        test "end to end: table on stdout, markdown, CSV and PNG in --out" {
            let out = tempDir ()
            let code, stdout, stderr = command [ "--uri"; (sweeps ()).Root; "--parent"; (sweeps ()).AlphaTauParent; "--out"; out ]
            Expect.equal code 0 ("exit 0; stderr: " + stderr)
            Expect.stringStarts stdout (sprintf "Comparison: sweep alpha-tau (%s), experiment ablation (store %s)" (sweeps ()).AlphaTauParent (sweeps ()).Root) "header"
            Expect.stringContains stdout (CompareTable.toText (alphaTau ())) "the text table"
            Expect.stringContains stdout "Not finished, left out of the plot: a0.5-t10 (FAILED)" "failed run named"
            Expect.equal (File.ReadAllText(Path.Combine(out, "table.csv"))) (CompareTable.toCsv (alphaTau ())) "csv"
            Expect.equal (File.ReadAllText(Path.Combine(out, "table.md"))) (CompareTable.toMarkdown (alphaTau ())) "markdown"
            Expect.isTrue (File.Exists(Path.Combine(out, "plot.png"))) "png"
        }
        test "no selection argument: the newest sweep" {
            let code, stdout, _ = command [ "--uri"; (sweeps ()).Root; "--out"; tempDir () ]
            Expect.equal code 0 "exit 0"
            Expect.stringStarts stdout (sprintf "Comparison: sweep norm-sweep (%s), experiment norm" (sweeps ()).NormParent) "norm sweep"
        }
        test "--help, -h and help print the usage, exit 0" {
            for flag in [ "--help"; "-h"; "help" ] do
                let code, stdout, _ = command [ "--parent"; "x"; flag ]
                Expect.equal code 0 ("exit 0 for " + flag)
                Expect.stringStarts stdout "Usage: dotnet fsi scripts/compare.fsx" ("usage for " + flag)
        }
        test "argument errors exit 2 with the argument named" {
            let check args (message: string) =
                let code, _, err = command args
                Expect.equal code 2 (sprintf "exit 2 for %A" args)
                Expect.stringContains err ("error: " + message) (sprintf "message for %A" args)
            check [ "--parnet"; "x" ] "Unknown argument '--parnet' (did you mean '--parent'?)."
            check [ "--parent"; "a"; "--experiment"; "b" ] "Give --parent or --experiment, not both."
            check [ "--metric" ] "--metric needs a value."
            check [ "--experiment"; "--all" ] "--experiment needs a value."
            check [ "--all" ] "--all goes with --experiment NAME."
            check [ "--parent"; "a"; "--parent"; "b" ] "--parent is given twice."
        }
        test "parsed options" {
            let parsed = Compare.parseArgs [| "--experiment"; "ablation"; "--all"; "--metric"; "bbox/AP75"; "--metric"; "loss_cls"; "--uri"; "http://h:5000"; "--out"; "o" |]
            let expected = { Source = CompareSource.Experiment("ablation", true); Metrics = [ "bbox/AP75"; "loss_cls" ]; Uri = Some "http://h:5000"; OutDir = Some "o" }
            Expect.equal parsed (Ok(RunCompare expected)) "options"
            Expect.equal (Compare.parseArgs [||]) (Ok(RunCompare { Source = CompareSource.LatestSweep; Metrics = []; Uri = None; OutDir = None })) "defaults"
        }
        test "default output folder: outputs/compare/<parent id or safe experiment name>" {
            let options = { Source = CompareSource.LatestSweep; Metrics = []; Uri = None; OutDir = None }
            let selected = { Title = "t"; Label = "my exp/1"; Parent = None; Runs = [] }
            Expect.equal (Compare.outputFolder options selected) (Path.Combine("outputs", "compare", "my_exp_1")) "sanitised"
            Expect.equal (Compare.outputFolder { options with OutDir = Some "x" } selected) "x" "--out wins"
        }
    ]
