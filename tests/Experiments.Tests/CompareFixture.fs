/// A tracking store with known sweeps for the Compare tests, and helpers to run the command on it.
module Research.Experiments.Tests.CompareFixture

open System
open System.Collections.Generic
open System.IO
open Expecto
open Research.Core.Mlflow
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

let t0 = 1_700_000_000_000L

/// bbox/AP of the alpha-tau child (α, τ): 0.30 + 0.1·α + 0.001·τ (distinct for every point).
let ap (alpha: float) (tau: float) = 0.30 + 0.1 * alpha + 0.001 * tau

let private kv (pairs: (string * string) list) = pairs |> List.map KeyValuePair |> List.toArray

let private baseParams = [ "name", "quickstart"; "seed", "42"; "model.filter.kernel_size", "3"; "model.poto.alpha", "0.8"; "model.filter.tau", "2"; "model.backbone.norm", "FrozenBN" ]

let private withParams (overrides: (string * string) list) =
    let m = Map.ofList baseParams
    overrides |> List.fold (fun (acc: Map<string, string>) (k, v) -> acc.Add(k, v)) m |> Map.toList

let createRun (store: ITrackingStore) expId name start (tags: (string * string) list) =
    store.CreateRun(expId, name, start, readOnlyDict tags).RunId

let finishRun (store: ITrackingStore) (runId: string) (status: RunStatus) start (parameters: (string * string) list) (metrics: (string * float) list) =
    // Each metric is logged at step 100 (a stale value) and then at step 200 (the value a run reports).
    let points =
        metrics |> List.collect (fun (k, v) -> [ MetricPoint(k, -1.0, start + 10L, 100L); MetricPoint(k, v, start + 20L, 200L) ]) |> List.toArray
    store.LogBatch(runId, points, kv parameters, [||])
    store.UpdateRun(runId, status, Nullable(start + 30L))

/// Everything these tests write goes under one folder per test process, removed when the process exits.
let scratch =
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

let fixture = lazy (build ())

let withTracker (f: MlflowTracker -> 'a) =
    use tracker = new MlflowTracker(fixture.Value.Root)
    f tracker

let selectOk source =
    withTracker (fun t ->
        match CompareSelect.select t source with
        | Ok s -> s
        | Error e -> failtestf "selection failed: %s" e)

let selectError source =
    withTracker (fun t ->
        match CompareSelect.select t source with
        | Ok s -> failtestf "expected an error, selected %s" s.Title
        | Error e -> e)

let tableOf source metrics =
    match CompareTable.build (selectOk source) metrics with
    | Ok t -> t
    | Error e -> failtestf "table failed: %s" e

let runIds (s: SelectedRuns) = s.Runs |> List.map (fun r -> r.Info.RunId) |> set

let tempDir () =
    let d = Path.Combine(scratch.Value, "out-" + Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory d |> ignore
    d

/// Runs the command with captured output: (exit code, stdout, stderr).
let command (args: string list) =
    use out = new StringWriter()
    use err = new StringWriter()
    let code = Compare.mainWith out err (List.toArray args)
    code, out.ToString(), err.ToString()

/// The fixture store (built on first use).
let sweeps () = fixture.Value
let child a t = (sweeps ()).Children.[(a, t)]

/// The table of the alpha-tau sweep with the default metrics.
let alphaTau () = tableOf (CompareSource.Parent (sweeps ()).AlphaTauParent) []
