/// Which MLflow run a training writes to: a resumed training (`--resume`, a requeued Slurm task, a sweep child
/// that did not finish) reopens the run its output folder records (`RunIdFile`), so it stays one run with one
/// curve; otherwise, or when that run cannot be reopened, a new run.
module Research.Experiments.RunReopening

open Research.Core.Mlflow

/// The tag a new run carries when it continues an output folder whose run could not be reopened.
[<Literal>]
let ResumedFromRunTag = "research.resumed_from_run"

/// The run of an output folder: with `resume`, the run recorded in `folder` (reopened, so a resumed
/// training stays one run with continuous curves), else, or when that run cannot be reopened (deleted,
/// another store, unreadable file: said in one line), a new run. The folder then records the run.
let openRun (resolved: ResolvedConfig) (tracker: MlflowTracker) (parentRunId: string option) (runName: string option)
            (extraTags: (string * string) list) (folder: string) : TrackedRun =
    let cfg = resolved.Config
    let start (tags: (string * string) list) =
        tracker.StartRun(cfg.Tracking.Experiment, defaultArg runName cfg.Name, parentRunId = Option.toObj parentRunId,
                         tags = readOnlyDict tags, sourceName = resolved.Path)
    let reopened =
        if not cfg.Resume then None
        else
            match RunIdFile.tryRead folder with
            | Ok None -> None
            | Error why ->
                eprintfn "warning: %s; starting a new MLflow run" why
                None
            | Ok(Some link) when link.TrackingUri <> tracker.Uri ->
                eprintfn "warning: %s names run %s in %s, but tracking is now %s; starting a new run there (tag %s)"
                    (RunIdFile.path folder) link.RunId link.TrackingUri tracker.Uri ResumedFromRunTag
                Some(Error link)
            | Ok(Some link) ->
                try
                    match tracker.Store.GetRun link.RunId with
                    | null -> ()
                    | r when r.Info.Status = RunStatus.Finished ->
                        raise (TrackingException(sprintf "it is FINISHED already; a finished run is not reopened"))
                    | _ -> ()
                    let run = tracker.ResumeRun link.RunId
                    eprintfn "resume: continuing MLflow run %s (experiment '%s') in %s" run.RunId run.ExperimentName tracker.Uri
                    Some(Ok run)
                with :? TrackingException as e ->
                    eprintfn "warning: cannot reopen MLflow run %s of %s (%s); starting a new run linked to it by tag %s"
                        link.RunId (RunIdFile.path folder) e.Message ResumedFromRunTag
                    Some(Error link)
    let run =
        match reopened with
        | Some(Ok run) -> run
        | Some(Error link) -> start ((ResumedFromRunTag, link.RunId) :: extraTags)
        | None -> start extraTags
    RunIdFile.write folder { RunId = run.RunId; TrackingUri = tracker.Uri; Experiment = run.ExperimentName }
    run

/// The run recorded in `folder` when it is in `tracker`'s store and did not finish (stopped by a signal,
/// killed, requeued or failed): the attempt a sweep or a requeued task continues.
let unfinishedRunOf (tracker: MlflowTracker) (folder: string) : string option =
    match RunIdFile.tryRead folder with
    | Ok(Some link) when link.TrackingUri = tracker.Uri ->
        try
            match tracker.Store.GetRun link.RunId with
            | null -> None
            | r when r.Info.Status <> RunStatus.Finished && r.Info.LifecycleStage = "active" -> Some r.Info.RunId
            | _ -> None
        with :? TrackingException -> None
    | _ -> None

/// Logs the resolved config as params. A reopened run keeps the params it has: a key whose value changed
/// (MLflow params are immutable) is reported, except the execution-only keys (`resume`, `threads`, ...).
let logConfigParams (run: TrackedRun) (resolved: ResolvedConfig) =
    let flat = Config.flatten resolved
    if not run.IsResumed then run.LogParams(readOnlyDict flat)
    else
        let existing = run.LoggedParams
        let fresh = flat |> List.filter (fun (k, _) -> not (existing.ContainsKey k))
        for k, v in flat do
            match existing.TryGetValue k with
            | true, old when old <> v && not (List.contains k Sweep.executionOnlyKeys) ->
                eprintfn "warning: %s is %s now but %s in the resumed run %s (MLflow params cannot change; the run keeps %s)" k v old run.RunId old
            | _ -> ()
        if not fresh.IsEmpty then run.LogParams(readOnlyDict fresh)
