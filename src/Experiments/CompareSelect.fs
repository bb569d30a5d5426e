namespace Research.Experiments

open System
open Research.Core.Mlflow

/// Which runs a comparison reads.
[<RequireQualifiedAccess>]
type CompareSource =
    /// The most recent sweep (the newest parent run) of the whole store.
    | LatestSweep
    /// The children of this parent run (a sweep).
    | Parent of runId: string
    /// The most recent sweep of this experiment, or every run of it when it has no sweep or when
    /// allRuns is set (parent runs themselves are left out: they hold no results).
    | Experiment of name: string * allRuns: bool

/// The runs chosen for a comparison, before any table is built.
type SelectedRuns =
    {
        /// What is compared, for titles: "sweep NAME (RUN_ID), experiment EXP" or "experiment EXP".
        Title: string
        /// A short name for the output folder: the parent run id, or the experiment name.
        Label: string
        /// The sweep's parent run, when a sweep is compared.
        Parent: RunRecord option
        /// The compared runs (a sweep's children), oldest first.
        Runs: RunRecord list
    }

/// Choosing the runs of a comparison from a tracking store (file store or server): a sweep by its parent
/// run id, the most recent sweep of an experiment or of the whole store, or all runs of an experiment.
/// Every way a user can point at nothing gives an error message naming what was asked for and what exists.
module CompareSelect =

    /// Tag on a sweep's parent run: "parent" (written by the sweep runner).
    [<Literal>]
    let SweepTag = "research.sweep"

    /// Tag on a sweep's parent and children: the swept config keys, comma-separated, in grid order.
    [<Literal>]
    let SweptKeysTag = "research.swept_keys"

    let private levenshtein (a: string) (b: string) =
        let a, b = a.ToLowerInvariant(), b.ToLowerInvariant()
        let mutable previous = Array.init (b.Length + 1) id
        for i in 1 .. a.Length do
            let current = Array.zeroCreate (b.Length + 1)
            current.[0] <- i
            for j in 1 .. b.Length do
                let cost = if a.[i - 1] = b.[j - 1] then 0 else 1
                current.[j] <- min (min (previous.[j] + 1) (current.[j - 1] + 1)) (previous.[j - 1] + cost)
            previous <- current
        previous.[b.Length]

    /// The candidate closest to a misspelt name (edit distance up to a third of its length, at least 2,
    /// or a candidate containing it, e.g. "AP50" → "bbox/AP50"), or None.
    let suggest (name: string) (candidates: string seq) : string option =
        let scored =
            candidates
            |> Seq.distinct
            |> Seq.map (fun c ->
                let d = levenshtein name c
                let contains = name.Length > 0 && c.Contains(name, StringComparison.OrdinalIgnoreCase)
                c, d, contains)
            |> Seq.filter (fun (_, d, contains) -> contains || d <= max 2 (name.Length / 3))
            |> Seq.sortBy (fun (c, d, _) -> d, c)
            |> Seq.toList
        match scored with
        | (c, _, _) :: _ -> Some c
        | [] -> None

    /// " (did you mean 'X'?)" or "".
    let didYouMean (name: string) (candidates: string seq) =
        match suggest name candidates with
        | Some c -> sprintf " (did you mean '%s'?)" c
        | None -> ""

    let private runName (r: RunRecord) = r.Name |> Option.ofObj |> Option.defaultValue r.Info.RunId

    /// The parent runs among runs: tagged research.sweep=parent, or named as mlflow.parentRunId by
    /// another run (so sweeps written without our tags are found too).
    let sweepParents (runs: RunRecord list) : RunRecord list =
        let referenced = runs |> List.choose (fun r -> Option.ofObj r.ParentRunId) |> set
        runs
        |> List.filter (fun r ->
            (match r.Tags.TryGetValue SweepTag with
             | true, v -> v = "parent"
             | _ -> false)
            || referenced.Contains r.Info.RunId)

    /// The newest of the parent runs (by start time, then run id), or None.
    let newestParent (runs: RunRecord list) : RunRecord option =
        match sweepParents runs with
        | [] -> None
        | parents -> parents |> List.maxBy (fun r -> r.Info.StartTime, r.Info.RunId) |> Some

    let private childrenIn (runs: RunRecord list) (parent: RunRecord) =
        runs
        |> List.filter (fun r -> r.ParentRunId = parent.Info.RunId)
        |> List.sortBy (fun r -> r.Info.StartTime, runName r)

    let private experimentName (tracker: MlflowTracker) (experimentId: string) =
        tracker.ListExperiments()
        |> Seq.tryFind (fun e -> e.ExperimentId = experimentId)
        |> Option.map (fun e -> e.Name)
        |> Option.defaultValue experimentId

    let private sweepOf (tracker: MlflowTracker) (parent: RunRecord) (children: RunRecord list) =
        let id = parent.Info.RunId
        match children with
        | [] ->
            Error(sprintf "Sweep run %s ('%s') has no child runs yet: nothing to compare." id (runName parent))
        | _ ->
            Ok
                {
                    Title = sprintf "sweep %s (%s), experiment %s" (runName parent) id (experimentName tracker parent.Info.ExperimentId)
                    Label = id
                    Parent = Some parent
                    Runs = children
                }

    let private activeExperiments (tracker: MlflowTracker) =
        tracker.ListExperiments() |> Seq.filter (fun e -> e.LifecycleStage = "active") |> Seq.toList

    let private isRunId (runId: string) =
        try
            MlflowNames.ValidateRunId runId
            true
        with :? TrackingException -> false

    let private byParentId (tracker: MlflowTracker) (runId: string) =
        // A malformed id is refused here: a server answers it with a 400, not "no such run".
        match (if isRunId runId then tracker.Store.GetRun runId else null) with
        | null ->
            Error(sprintf "Unknown run id '%s' in the store %s (give a sweep's parent run id: the run page's id, 32 hex characters)." runId tracker.Uri)
        | run when run.Info.LifecycleStage <> "active" ->
            Error(sprintf "Run %s ('%s') is deleted in the store %s." runId (runName run) tracker.Uri)
        | run ->
            let children = tracker.ChildRuns(run.Info.ExperimentId, runId) |> Seq.toList
            match children, Option.ofObj run.ParentRunId with
            | [], Some parentId ->
                Error(sprintf "Run %s ('%s') is a child of sweep %s: compare that sweep with --parent %s." runId (runName run) parentId parentId)
            | [], None ->
                Error(sprintf "Run %s ('%s') has no child runs: it is not a sweep's parent (use --experiment %s to compare the experiment's runs)."
                          runId (runName run) (experimentName tracker run.Info.ExperimentId))
            | _ -> sweepOf tracker run children

    let private latestInStore (tracker: MlflowTracker) =
        match activeExperiments tracker with
        | [] ->
            Error(sprintf "No sweep found: the store %s holds no experiment (set --uri or MLFLOW_TRACKING_URI to the store the runs went to)." tracker.Uri)
        | experiments ->
            let runs = tracker.Store.SearchRuns(experiments |> List.map (fun e -> e.ExperimentId) |> List.toArray) |> Seq.toList
            match newestParent runs with
            | Some parent -> sweepOf tracker parent (childrenIn runs parent)
            | None ->
                let names = experiments |> List.map (fun e -> e.Name) |> String.concat ", "
                Error(sprintf "No sweep found in the store %s (no parent run with child runs); experiments there: %s. Compare an experiment's runs with --experiment NAME." tracker.Uri names)

    let private byExperiment (tracker: MlflowTracker) (name: string) (allRuns: bool) =
        let active = tracker.Store.GetExperimentByName name |> Option.ofObj |> Option.filter (fun e -> e.LifecycleStage = "active")
        match active with
        | None ->
            let names = activeExperiments tracker |> List.map (fun e -> e.Name)
            let known = if names.IsEmpty then "none" else String.concat ", " names
            Error(sprintf "Unknown experiment '%s' in the store %s%s; experiments there: %s." name tracker.Uri (didYouMean name names) known)
        | Some experiment ->
            let runs = tracker.SearchRuns name |> Seq.toList
            let parents = sweepParents runs
            match newestParent runs with
            | Some parent when not allRuns -> sweepOf tracker parent (childrenIn runs parent)
            | _ ->
                let parentIds = parents |> List.map (fun r -> r.Info.RunId) |> set
                match runs |> List.filter (fun r -> not (parentIds.Contains r.Info.RunId)) with
                | [] -> Error(sprintf "Experiment '%s' (id %s) has no runs to compare in the store %s." name experiment.ExperimentId tracker.Uri)
                | compared ->
                    Ok
                        {
                            Title = sprintf "experiment %s" name
                            Label = name
                            Parent = None
                            Runs = compared |> List.sortBy (fun r -> r.Info.StartTime, runName r)
                        }

    /// The runs to compare, or an error message naming what was asked for and what the store holds.
    let select (tracker: MlflowTracker) (source: CompareSource) : Result<SelectedRuns, string> =
        match source with
        | CompareSource.Parent runId -> byParentId tracker runId
        | CompareSource.LatestSweep -> latestInStore tracker
        | CompareSource.Experiment(name, allRuns) -> byExperiment tracker name allRuns
