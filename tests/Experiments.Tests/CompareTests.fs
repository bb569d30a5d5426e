module Research.Experiments.Tests.CompareTests

open System
open System.Collections.Generic
open System.IO
open Expecto
open Research.Core.Tracking
open Research.Experiments

/// A file store written with the tracker's store API (explicit start times, so "most recent" is deterministic):
///   experiment "ablation": an old sweep over kernel size (1 child) and the alpha-tau sweep (6 children over
///     α ∈ {0.2, 0.5, 0.8} × τ ∈ {2, 10}, created out of order, (0.5, 10) FAILED without metrics);
///   experiment "norm": the newest sweep, over a text key (FrozenBN / GN), two children;
///   experiment "baseline": two standalone runs differing in seed;
///   experiment "untagged": a sweep written without any research.* tag (α × τ again, 4 children).
type Fixture =
    {
        Root: string
        AlphaTauParent: string
        OldParent: string
        NormParent: string
        UntaggedParent: string
        /// (α, τ) → run id of the alpha-tau children.
        Children: Map<string * string, string>
        Baseline: string list
    }

let private t0 = 1_700_000_000_000L

/// bbox/AP of the alpha-tau child (α, τ): 0.30 + 0.1·α + 0.001·τ (distinct for every point).
let private ap (alpha: float) (tau: float) = 0.30 + 0.1 * alpha + 0.001 * tau

let private kv (pairs: (string * string) list) = pairs |> List.map KeyValuePair |> List.toArray

let private baseParams = [ "name", "quickstart"; "seed", "42"; "model.filter.kernel_size", "3"; "model.poto.alpha", "0.8"; "model.filter.tau", "2"; "model.backbone.norm", "FrozenBN" ]

let private withParams (overrides: (string * string) list) =
    let m = Map.ofList baseParams
    overrides |> List.fold (fun (acc: Map<string, string>) (k, v) -> acc.Add(k, v)) m |> Map.toList

let private createRun (store: ITrackingStore) expId name start (tags: (string * string) list) =
    store.CreateRun(expId, name, start, readOnlyDict tags).RunId

let private finishRun (store: ITrackingStore) (runId: string) (status: RunStatus) start (parameters: (string * string) list) (metrics: (string * float) list) =
    // Each metric is logged at step 100 (a stale value) and then at step 200 (the value a run reports).
    let points =
        metrics |> List.collect (fun (k, v) -> [ MetricPoint(k, -1.0, start + 10L, 100L); MetricPoint(k, v, start + 20L, 200L) ]) |> List.toArray
    store.LogBatch(runId, points, kv parameters, [||])
    store.UpdateRun(runId, status, Nullable(start + 30L))

/// Everything these tests write goes under one folder per test process, removed when the process exits.
let private scratch =
    lazy
        (let dir = Path.Combine(Path.GetTempPath(), "research-compare-tests", Guid.NewGuid().ToString("N"))
         Directory.CreateDirectory dir |> ignore
         AppDomain.CurrentDomain.ProcessExit.Add(fun _ -> try Directory.Delete(dir, true) with _ -> ())
         dir)

let private build () =
    let root = Path.Combine(scratch.Value, "mlruns")
    use tracker = new MlflowTracker(root)
    let store = tracker.Store
    let sweepTags keys = [ CompareSelect.SweepTag, "parent"; CompareSelect.SweptKeysTag, keys ]
    let childTags parent keys = [ SystemTags.ParentRunId, parent; CompareSelect.SweptKeysTag, keys ]
    // ablation: an older sweep over the kernel size, then the alpha-tau sweep.
    let ablation = store.GetOrCreateExperiment "ablation"
    let oldParent = createRun store ablation "kernel-old" t0 (sweepTags "model.filter.kernel_size")
    let oldChild = createRun store ablation "kernel-5" (t0 + 1L) (childTags oldParent "model.filter.kernel_size")
    finishRun store oldChild RunStatus.Finished (t0 + 1L) (withParams [ "model.filter.kernel_size", "5" ]) [ "bbox/AP", 0.25; "bbox/AP50", 0.45 ]
    store.UpdateRun(oldParent, RunStatus.Finished, Nullable(t0 + 100L))
    let keys = "model.poto.alpha,model.filter.tau"
    let start = t0 + 1000L
    let parent = createRun store ablation "alpha-tau" start (sweepTags keys)
    let order = [ "0.8", "10"; "0.5", "2"; "0.2", "10"; "0.8", "2"; "0.2", "2"; "0.5", "10" ]
    let children =
        order
        |> List.mapi (fun i (a, t) ->
            let s = start + 10L * int64 (i + 1)
            let id = createRun store ablation (sprintf "a%s-t%s" a t) s (childTags parent keys)
            let p = withParams [ "model.poto.alpha", a; "model.filter.tau", t ]
            if (a, t) = ("0.5", "10") then finishRun store id RunStatus.Failed s p [ "loss_cls", 1.5 ]
            else
                let v = ap (float a) (float t)
                finishRun store id RunStatus.Finished s p [ "bbox/AP", v; "bbox/AP50", v + 0.2; "bbox_nms/AP50", v + 0.25; "loss_cls", 0.5 ]
            (a, t), id)
        |> Map.ofList
    store.UpdateRun(parent, RunStatus.Finished, Nullable(start + 100L))
    // norm: the newest sweep of the store, over a text-valued key.
    let normExp = store.GetOrCreateExperiment "norm"
    let normStart = t0 + 5000L
    let normParent = createRun store normExp "norm-sweep" normStart (sweepTags "model.backbone.norm")
    for i, norm in List.indexed [ "GN"; "FrozenBN" ] do
        let s = normStart + int64 (i + 1)
        let id = createRun store normExp ("norm-" + norm) s (childTags normParent "model.backbone.norm")
        finishRun store id RunStatus.Finished s (withParams [ "model.backbone.norm", norm ]) [ "bbox/AP", 0.3 + 0.01 * float i; "bbox/AP50", 0.5 ]
    // baseline: no sweep, two runs that differ in seed only.
    let baselineExp = store.GetOrCreateExperiment "baseline"
    let baseline =
        [ "7"; "42" ]
        |> List.mapi (fun i seed ->
            let s = t0 + 2000L + int64 i
            let id = createRun store baselineExp ("seed-" + seed) s []
            finishRun store id RunStatus.Finished s (withParams [ "seed", seed ]) [ "bbox/AP", 0.2 + 0.1 * float i; "bbox/AP50", 0.4 ]
            id)
    // untagged: a sweep as another tool would write it (only mlflow.parentRunId), oldest of all.
    let untaggedExp = store.GetOrCreateExperiment "untagged"
    let untaggedStart = t0 - 5000L
    let untaggedParent = createRun store untaggedExp "plain-sweep" untaggedStart []
    for i, (a, t) in List.indexed [ "0.5", "2"; "0.2", "2"; "0.5", "0"; "0.8", "0" ] do
        let s = untaggedStart + int64 (i + 1)
        let id = createRun store untaggedExp (sprintf "u%d" i) s [ SystemTags.ParentRunId, untaggedParent ]
        finishRun store id RunStatus.Finished s (withParams [ "model.poto.alpha", a; "model.filter.tau", t ]) [ "bbox/AP", ap (float a) (float t) ]
    {
        Root = root
        AlphaTauParent = parent
        OldParent = oldParent
        NormParent = normParent
        UntaggedParent = untaggedParent
        Children = children
        Baseline = baseline
    }

let private fixture = lazy (build ())

let private withTracker (f: MlflowTracker -> 'a) =
    use tracker = new MlflowTracker(fixture.Value.Root)
    f tracker

let private selectOk source =
    withTracker (fun t ->
        match CompareSelect.select t source with
        | Ok s -> s
        | Error e -> failtestf "selection failed: %s" e)

let private selectError source =
    withTracker (fun t ->
        match CompareSelect.select t source with
        | Ok s -> failtestf "expected an error, selected %s" s.Title
        | Error e -> e)

let private tableOf source metrics =
    match CompareTable.build (selectOk source) metrics with
    | Ok t -> t
    | Error e -> failtestf "table failed: %s" e

let private runIds (s: SelectedRuns) = s.Runs |> List.map (fun r -> r.Info.RunId) |> set

let private tempDir () =
    let d = Path.Combine(scratch.Value, "out-" + Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory d |> ignore
    d

/// Runs the command with captured output: (exit code, stdout, stderr).
let private command (args: string list) =
    use out = new StringWriter()
    use err = new StringWriter()
    let code = Compare.mainWith out err (List.toArray args)
    code, out.ToString(), err.ToString()

let private f () = fixture.Value
let private child a t = (f ()).Children.[(a, t)]

[<Tests>]
let selectionTests =
    testList "Compare.selection" [
        test "--parent selects the sweep's six children" {
            let s = selectOk (CompareSource.Parent (f ()).AlphaTauParent)
            Expect.equal (runIds s) ((f ()).Children |> Map.values |> set) "the six children"
            Expect.equal s.Label (f ()).AlphaTauParent "label = parent id"
            Expect.equal s.Title (sprintf "sweep alpha-tau (%s), experiment ablation" (f ()).AlphaTauParent) "title"
        }
        test "--experiment picks its most recent sweep, not the older one" {
            let s = selectOk (CompareSource.Experiment("ablation", false))
            Expect.equal (s.Parent |> Option.map (fun p -> p.Info.RunId)) (Some (f ()).AlphaTauParent) "newest sweep of ablation"
            Expect.equal s.Runs.Length 6 "six children"
        }
        test "--experiment --all takes every run but the parents" {
            let s = selectOk (CompareSource.Experiment("ablation", true))
            Expect.equal s.Runs.Length 7 "6 alpha-tau children + 1 old child"
            Expect.isFalse (s.Runs |> List.exists (fun r -> r.Info.RunId = (f ()).AlphaTauParent || r.Info.RunId = (f ()).OldParent)) "no parent"
            Expect.equal s.Title "experiment ablation" "title"
        }
        test "an experiment without a sweep gives all its runs" {
            let s = selectOk (CompareSource.Experiment("baseline", false))
            Expect.equal (runIds s) (set (f ()).Baseline) "both baseline runs"
            Expect.isNone s.Parent "no parent"
        }
        test "no argument: the newest sweep of the whole store" {
            let s = selectOk CompareSource.LatestSweep
            Expect.equal (s.Parent |> Option.map (fun p -> p.Info.RunId)) (Some (f ()).NormParent) "the norm sweep is the newest"
        }
        test "an older sweep by its parent id" {
            let s = selectOk (CompareSource.Parent (f ()).OldParent)
            Expect.equal (s.Runs |> List.map (fun r -> r.Name)) [ "kernel-5" ] "its one child"
        }
        test "a sweep without research tags is found through mlflow.parentRunId" {
            let s = selectOk (CompareSource.Experiment("untagged", false))
            Expect.equal (s.Parent |> Option.map (fun p -> p.Info.RunId)) (Some (f ()).UntaggedParent) "parent found"
            Expect.equal s.Runs.Length 4 "four children"
        }
    ]

[<Tests>]
let errorTests =
    testList "Compare.errors" [
        test "unknown run id" {
            let e = selectError (CompareSource.Parent "0123456789abcdef0123456789abcdef")
            Expect.stringContains e "Unknown run id '0123456789abcdef0123456789abcdef'" "names the id"
            Expect.stringContains e (f ()).Root "names the store"
        }
        test "a child's id points at its sweep" {
            let e = selectError (CompareSource.Parent (child "0.2" "2"))
            Expect.stringContains e (sprintf "is a child of sweep %s: compare that sweep with --parent %s" (f ()).AlphaTauParent (f ()).AlphaTauParent) "points at the parent"
        }
        test "a standalone run is not a sweep" {
            let e = selectError (CompareSource.Parent (List.head (f ()).Baseline))
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
        test "no sweep in an empty store" {
            let code, _, err = command [ "--uri"; Path.Combine(tempDir (), "nothing") ]
            Expect.equal code 2 "exit 2"
            Expect.stringContains err "error: No sweep found: the store" "message"
            Expect.stringContains err "holds no experiment" "says why"
        }
        test "a metric no run logged lists the existing ones, with did-you-mean" {
            match CompareTable.build (selectOk (CompareSource.Parent (f ()).AlphaTauParent)) [ "bbox/AP"; "bbox/AP5" ] with
            | Error e ->
                Expect.equal e "Metric 'bbox/AP5' was logged by none of the 6 compared runs (did you mean 'bbox/AP'?); metrics that exist: bbox/AP, bbox/AP50, bbox_nms/AP50, loss_cls." "message"
            | Ok _ -> failtest "expected an error"
        }
        test "a metric error exits 2 through the command" {
            let code, _, err = command [ "--uri"; (f ()).Root; "--parent"; (f ()).AlphaTauParent; "--metric"; "AP75"; "--out"; tempDir () ]
            Expect.equal code 2 "exit 2"
            Expect.stringContains err "error: Metric 'AP75' was logged by none of the 6 compared runs; metrics that exist: bbox/AP, bbox/AP50, bbox_nms/AP50, loss_cls." "message"
        }
        test "an unknown run id exits 2 through the command" {
            let code, out, err = command [ "--uri"; (f ()).Root; "--parent"; "nope" ]
            Expect.equal code 2 "exit 2"
            Expect.stringContains err "Unknown run id 'nope'" "message"
            Expect.equal out "" "nothing on stdout"
        }
    ]

let private alphaTau () = tableOf (CompareSource.Parent (f ()).AlphaTauParent) []

[<Tests>]
let tableTests =
    testList "Compare.table" [
        test "rows sorted by alpha then tau numerically (10 after 2), values are the latest" {
            let t = alphaTau ()
            Expect.equal t.SweptKeys [ "model.poto.alpha"; "model.filter.tau" ] "swept keys from the tag, in its order"
            Expect.equal t.MetricKeys [ "bbox/AP"; "bbox/AP50" ] "default metrics"
            let expected =
                [ "0.2", "2"; "0.2", "10"; "0.5", "2"; "0.5", "10"; "0.8", "2"; "0.8", "10" ]
                |> List.map (fun (a, tau) ->
                    let failed = (a, tau) = ("0.5", "10")
                    let v = ap (float a) (float tau)
                    child a tau, sprintf "a%s-t%s" a tau, (if failed then RunStatus.Failed else RunStatus.Finished),
                    [ Some a; Some tau ], (if failed then [ None; None ] else [ Some v; Some(v + 0.2) ]))
            let actual = t.Rows |> List.map (fun r -> r.RunId, r.RunName, r.Status, r.Params, r.Metrics)
            Expect.equal actual expected "rows"
        }
        test "asked-for metrics replace the defaults, in the given order" {
            let t = tableOf (CompareSource.Parent (f ()).AlphaTauParent) [ "bbox_nms/AP50"; "loss_cls" ]
            Expect.equal t.MetricKeys [ "bbox_nms/AP50"; "loss_cls" ] "order kept"
            let failed = t.Rows |> List.find (fun r -> r.Status = RunStatus.Failed)
            Expect.equal failed.Metrics [ None; Some 1.5 ] "the failed run's own metrics"
        }
        test "swept keys inferred without the tag: differing params, most values first" {
            let t = tableOf (CompareSource.Experiment("untagged", false)) []
            Expect.equal t.SweptKeys [ "model.poto.alpha"; "model.filter.tau" ] "alpha (3 values) before tau (2)"
            Expect.equal t.MetricKeys [ "bbox/AP" ] "the default that exists"
            Expect.equal (t.Rows |> List.map (fun r -> r.RunName)) [ "u1"; "u2"; "u0"; "u3" ] "(0.2,2) (0.5,0) (0.5,2) (0.8,0)"
            Expect.equal (tableOf (CompareSource.Experiment("baseline", false)) []).SweptKeys [ "seed" ] "baseline differs in seed only"
        }
        test "--all over runs of two sweeps with different tags infers the keys" {
            let t = tableOf (CompareSource.Experiment("ablation", true)) []
            Expect.equal t.SweptKeys [ "model.poto.alpha"; "model.filter.kernel_size"; "model.filter.tau" ] "alpha (3 values), then kernel and tau (2 each) by key"
            Expect.equal t.Rows.Length 7 "seven runs"
        }
        test "a malformed run id is an unknown run id, not a store failure" {
            let code, _, err = command [ "--uri"; (f ()).Root; "--parent"; "../etc" ]
            Expect.equal code 2 "exit 2"
            Expect.stringContains err "Unknown run id '../etc'" "message"
        }
        test "inferSweptKeys counts a param missing from some runs as differing" {
            let run id (ps: (string * string) list) =
                RunRecord(RunInfo(id, "1", id, "", RunStatus.Finished, 0L, Nullable(), "", "active"), readOnlyDict ps, readOnlyDict [], readOnlyDict [])
            let runs = [ run "a" [ "x", "1"; "y", "1" ]; run "b" [ "x", "1" ]; run "c" [ "x", "1"; "y", "1" ] ]
            Expect.equal (CompareTable.inferSweptKeys runs) [ "y" ] "y is absent from b"
        }
        test "aligned text table" {
            let expected =
                String.concat "\n" [
                    "run       status    model.poto.alpha  model.filter.tau  bbox/AP  bbox/AP50"
                    "--------  --------  ----------------  ----------------  -------  ---------"
                    "a0.2-t2   FINISHED  0.2               2                   0.322      0.522"
                    "a0.2-t10  FINISHED  0.2               10                   0.33       0.53"
                    "a0.5-t2   FINISHED  0.5               2                   0.352      0.552"
                    "a0.5-t10  FAILED    0.5               10                      –          –"
                    "a0.8-t2   FINISHED  0.8               2                   0.382      0.582"
                    "a0.8-t10  FINISHED  0.8               10                   0.39       0.59"
                    "" ]
            Expect.equal (CompareTable.toText (alphaTau ())) expected "text"
        }
        test "markdown table with the unfinished note" {
            let lines = (CompareTable.toMarkdown (alphaTau ())).Split('\n')
            Expect.equal lines.[0] (sprintf "# Comparison: sweep alpha-tau (%s), experiment ablation" (f ()).AlphaTauParent) "title"
            Expect.equal lines.[2] "| run | status | model.poto.alpha | model.filter.tau | bbox/AP | bbox/AP50 |" "header"
            Expect.equal lines.[3] "|---|---|---|---|---:|---:|" "alignment"
            Expect.equal lines.[4] "| a0.2-t2 | FINISHED | 0.2 | 2 | 0.322 | 0.522 |" "first row"
            Expect.equal lines.[7] "| a0.5-t10 | FAILED | 0.5 | 10 | – | – |" "failed row"
            Expect.equal lines.[11] "Not finished, left out of the plot: a0.5-t10 (FAILED)." "note"
        }
        test "CSV rows at full precision" {
            let csv = CompareTable.toCsv (alphaTau ())
            let lines = csv.Split('\n')
            Expect.equal lines.[0] "run_id,run_name,status,model.poto.alpha,model.filter.tau,bbox/AP,bbox/AP50" "header"
            let v = ap 0.2 10.0
            Expect.equal lines.[2] (sprintf "%s,a0.2-t10,FINISHED,0.2,10,%s,%s" (child "0.2" "10") (v.ToString "R") ((v + 0.2).ToString "R")) "second row"
            Expect.equal (Double.Parse(lines.[2].Split(',').[5], Globalization.CultureInfo.InvariantCulture)) v "round-trips exactly"
            Expect.equal lines.[4] (sprintf "%s,a0.5-t10,FAILED,0.5,10,," (child "0.5" "10")) "failed row: empty metrics"
            Expect.equal lines.Length 8 "header + 6 rows + trailing newline"
        }
        test "CSV quotes fields with commas and quotes" {
            let t = { Title = "t"; SweptKeys = [ "k" ]; MetricKeys = [ "m" ]; Rows = [ { RunId = "r"; RunName = "a,\"b\""; Status = RunStatus.Killed; StartTime = 0L; Params = [ Some "x,y" ]; Metrics = [ Some 0.5 ] } ] }
            Expect.equal (CompareTable.toCsv t) "run_id,run_name,status,k,m\nr,\"a,\"\"b\"\"\",KILLED,\"x,y\",0.5\n" "csv"
        }
    ]

let private countColor (path: string) (hex: string) =
    use bmp = SkiaSharp.SKBitmap.Decode path
    let c = SkiaSharp.SKColor.Parse hex
    let mutable n = 0
    for y in 0 .. bmp.Height - 1 do
        for x in 0 .. bmp.Width - 1 do
            if bmp.GetPixel(x, y) = c then n <- n + 1
    n

[<Tests>]
let plotTests =
    testList "Compare.plot" [
        test "plot data: AP vs alpha, one line per tau, the failed run left out" {
            match ComparePlot.plotData (alphaTau ()) with
            | Ok d ->
                Expect.equal d.XKey "model.poto.alpha" "x"
                Expect.equal d.Metric "bbox/AP" "y"
                Expect.isTrue d.Numeric "numeric"
                Expect.equal d.Categories [ "0.2"; "0.5"; "0.8" ] "x values"
                Expect.equal d.Series [
                    { Label = "tau=2"; Points = [ "0.2", ap 0.2 2.0; "0.5", ap 0.5 2.0; "0.8", ap 0.8 2.0 ] }
                    { Label = "tau=10"; Points = [ "0.2", ap 0.2 10.0; "0.8", ap 0.8 10.0 ] } ] "series"
            | Error e -> failtest e
        }
        test "a text-valued key gives categories in order, one series named after the metric" {
            match ComparePlot.plotData (tableOf (CompareSource.Parent (f ()).NormParent) []) with
            | Ok d ->
                Expect.isFalse d.Numeric "categorical"
                Expect.equal d.Categories [ "FrozenBN"; "GN" ] "ordinal order"
                Expect.equal d.Series [ { Label = "bbox/AP"; Points = [ "FrozenBN", 0.31; "GN", 0.3 ] } ] "series"
            | Error e -> failtest e
        }
        test "short legend names keep the full key when the last segment is shared" {
            Expect.equal (ComparePlot.shortNames [ "a.tau"; "b.tau"; "model.poto.alpha" ]) [ "a.tau"; "b.tau"; "alpha" ] "names"
        }
        test "the PNG decodes at the default size with one colour per tau line" {
            let path = Path.Combine(tempDir (), "plot.png")
            Expect.equal (ComparePlot.write (alphaTau ()) path ComparePlot.defaultSize) (Ok()) "written"
            use bmp = SkiaSharp.SKBitmap.Decode path
            Expect.equal (bmp.Width, bmp.Height) ComparePlot.defaultSize "size"
            Expect.isGreaterThan (countColor path "#1f77b4") 200 "first line (Category10 blue)"
            Expect.isGreaterThan (countColor path "#ff7f0e") 200 "second line (Category10 orange)"
            Expect.equal (countColor path "#2ca02c") 0 "no third line"
        }
        test "the bar plot of a text key decodes" {
            let path = Path.Combine(tempDir (), "bars.png")
            Expect.equal (ComparePlot.write (tableOf (CompareSource.Parent (f ()).NormParent) []) path (400, 300)) (Ok()) "written"
            use bmp = SkiaSharp.SKBitmap.Decode path
            Expect.equal (bmp.Width, bmp.Height) (400, 300) "size"
            Expect.isGreaterThan (countColor path "#1f77b4") 1000 "filled bars"
        }
        test "no plot when no run finished" {
            let t = alphaTau ()
            let allFailed = { t with Rows = t.Rows |> List.map (fun r -> { r with Status = RunStatus.Failed }) }
            let path = Path.Combine(tempDir (), "none.png")
            Expect.equal (ComparePlot.write allFailed path (200, 100)) (Error "no FINISHED run logged bbox/AP") "error"
            Expect.isFalse (File.Exists path) "nothing written"
        }
    ]

[<Tests>]
let commandTests =
    testList "Compare.command" [
        test "end to end: table on stdout, markdown, CSV and PNG in --out" {
            let out = tempDir ()
            let code, stdout, stderr = command [ "--uri"; (f ()).Root; "--parent"; (f ()).AlphaTauParent; "--out"; out ]
            Expect.equal code 0 ("exit 0; stderr: " + stderr)
            Expect.stringStarts stdout (sprintf "Comparison: sweep alpha-tau (%s), experiment ablation (store %s)" (f ()).AlphaTauParent (f ()).Root) "header"
            Expect.stringContains stdout (CompareTable.toText (alphaTau ())) "the text table"
            Expect.stringContains stdout "Not finished, left out of the plot: a0.5-t10 (FAILED)" "failed run named"
            Expect.equal (File.ReadAllText(Path.Combine(out, "table.csv"))) (CompareTable.toCsv (alphaTau ())) "csv"
            Expect.equal (File.ReadAllText(Path.Combine(out, "table.md"))) (CompareTable.toMarkdown (alphaTau ())) "markdown"
            Expect.isTrue (File.Exists(Path.Combine(out, "plot.png"))) "png"
        }
        test "no selection argument: the newest sweep" {
            let code, stdout, _ = command [ "--uri"; (f ()).Root; "--out"; tempDir () ]
            Expect.equal code 0 "exit 0"
            Expect.stringStarts stdout (sprintf "Comparison: sweep norm-sweep (%s), experiment norm" (f ()).NormParent) "norm sweep"
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

[<Tests>]
let threeKeyTests =
    testList "Compare.plot3" [
        test "three swept keys: one line per (tau, kernel) pair, in sorted order" {
            let row name a t k y =
                { RunId = name; RunName = name; Status = RunStatus.Finished; StartTime = 0L; Params = [ Some a; Some t; Some k ]; Metrics = [ Some y ] }
            let table =
                {
                    Title = "t"
                    SweptKeys = [ "model.poto.alpha"; "model.filter.tau"; "model.filter.kernel_size" ]
                    MetricKeys = [ "bbox/AP" ]
                    Rows = [ row "r1" "0.5" "2" "5" 0.1; row "r2" "0.5" "0" "3" 0.2; row "r3" "1" "2" "5" 0.3; row "r4" "0.5" "2" "3" 0.4 ]
                }
            match ComparePlot.plotData table with
            | Ok d ->
                Expect.equal (d.Series |> List.map (fun s -> s.Label, s.Points)) [
                    "tau=0, kernel_size=3", [ "0.5", 0.2 ]
                    "tau=2, kernel_size=3", [ "0.5", 0.4 ]
                    "tau=2, kernel_size=5", [ "0.5", 0.1; "1", 0.3 ] ] "series"
            | Error e -> failtest e
        }
    ]
