/// Running a sweep: one MLflow parent run, a child run per grid point executed one after another in
/// this process (each isolated: a failed child is marked FAILED, reported at once, the others go on),
/// children already FINISHED with the same params skipped (resumable), the parent's note a table of the
/// children. `--emit slurm` writes a job-array script instead; `--create-parent` / `--collect ID` are
/// the two halves the Slurm script calls around its array.
module Research.Experiments.SweepRun

open System
open System.IO
open Research.Core.Mlflow

/// Tags that mark our sweep runs (Compare reads them).
module SweepTags =
    [<Literal>]
    let Role = "research.sweep"
    [<Literal>]
    let Name = "research.sweep_name"
    [<Literal>]
    let SweptKeys = "research.swept_keys"
    [<Literal>]
    let Plan = "research.sweep_plan"

let private nowMs () = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()

/// A stable id of the sweep's grid (sweep file, overrides and every child's signature): re-running the
/// same sweep finds its parent again.
let planSignature (plan: SweepPlan) : string =
    let text = String.Join("\n", [ yield Path.GetFullPath plan.SweepPath; yield! plan.Overrides; for c in plan.Children -> c.Signature ])
    Convert.ToHexString(Security.Cryptography.SHA256.HashData(Text.Encoding.UTF8.GetBytes text)).Substring(0, 16).ToLowerInvariant()

let private tag (r: RunRecord) (key: string) =
    match r.Tags.TryGetValue key with
    | true, v -> Some v
    | _ -> None

let private experimentOf (plan: SweepPlan) = plan.Children.Head.Resolved.Config.Tracking.Experiment
let private trackingUriOf (plan: SweepPlan) = plan.Children.Head.Resolved.Config.Tracking.Uri

/// The parent run of this plan: the newest earlier one with the same plan signature (reopened), or a new one.
let openParent (tracker: MlflowTracker) (plan: SweepPlan) : string =
    let signature = planSignature plan
    let existing =
        tracker.SearchRuns(experimentOf plan)
        |> Seq.filter (fun r -> tag r SweepTags.Role = Some "parent" && tag r SweepTags.Plan = Some signature)
        |> Seq.sortByDescending (fun r -> r.Info.StartTime)
        |> Seq.tryHead
    match existing with
    | Some r ->
        tracker.Store.UpdateRun(r.Info.RunId, RunStatus.Running, Nullable())
        r.Info.RunId
    | None ->
        let tags =
            readOnlyDict
                [ SweepTags.Role, "parent"
                  SweepTags.Name, plan.Name
                  SweepTags.SweptKeys, String.Join(",", plan.SweptKeys)
                  SweepTags.Plan, signature ]
        use parent = tracker.StartRun(experimentOf plan, plan.Name, tags = tags, sourceName = plan.SweepPath)
        parent.LogParams(readOnlyDict [ "sweep.file", plan.SweepPath; "sweep.keys", String.Join(",", plan.SweptKeys); "sweep.children", string plan.Children.Length ])
        parent.LogArtifact(plan.SweepPath, "sweep")
        parent.End(RunStatus.Finished)
        tracker.Store.UpdateRun(parent.RunId, RunStatus.Running, Nullable())
        parent.RunId

/// A stored run as resume matching sees it.
let private priorOf (r: RunRecord) : PriorRun =
    { RunId = r.Info.RunId; Status = r.Info.Status.ToMlflowName(); Params = r.Params |> Seq.map (fun kv -> kv.Key, kv.Value) |> Map.ofSeq }

/// Ends a parent: its note is the table of its children (a grid point an earlier sweep FINISHED counts with
/// that run), its status FAILED if any grid point has no FINISHED run.
let closeParent (tracker: MlflowTracker) (plan: SweepPlan) (parentRunId: string) : int =
    let store = tracker.Store
    let parent =
        match store.GetRun parentRunId with
        | null -> raise (ArgumentException(sprintf "no run with id '%s' in %s" parentRunId tracker.Uri))
        | r -> r
    // Its own children, and for a grid point skipped because an earlier sweep (another parent, e.g. the same
    // sweep with a changed value list) already FINISHED it, that run.
    let own = tracker.ChildRuns(parent.Info.ExperimentId, parentRunId) |> List.ofSeq
    let ownNames = own |> List.choose (fun c -> Option.ofObj c.Name) |> Set.ofList
    let prior =
        store.SearchRuns([| parent.Info.ExperimentId |])
        |> Seq.map (fun r -> priorOf r, r)
        |> List.ofSeq
    let borrowed =
        Sweep.matchPrior (List.map fst prior) plan
        |> List.choose (fun (child, matched) ->
            match matched with
            | Some m when not (ownNames.Contains child.Name) -> prior |> List.tryFind (fun (p, _) -> p.RunId = m.RunId) |> Option.map snd
            | _ -> None)
    let children = own @ borrowed |> List.sortBy (fun c -> c.Info.StartTime)
    let nameOf (c: RunRecord) =
        // A borrowed run carries its own sweep's child name: match it to this plan's child by config instead.
        plan.Children
        |> List.tryFind (fun child -> Sweep.matchesFinished child (priorOf c))
        |> Option.map (fun child -> child.Name)
        |> Option.orElse (Option.ofObj c.Name)
    let metricKeys =
        [ "bbox/AP"; "bbox/AP50"; "bbox/AR100"; "bbox_nms/AP50"; "bbox_nms/AR100" ]
        |> List.filter (fun k -> children |> Seq.exists (fun c -> c.Metrics.ContainsKey k))
    let note = RunNotes.ChildrenTable(children, plan.SweptKeys |> Array.ofList, metricKeys |> Array.ofList)
    store.LogBatch(parentRunId, [||], [||], [| Collections.Generic.KeyValuePair(SystemTags.Note, note) |])
    let expected = plan.Children |> List.map (fun c -> c.Name) |> Set.ofList
    let finished =
        children
        |> Seq.filter (fun c -> c.Info.Status = RunStatus.Finished)
        |> Seq.choose nameOf
        |> Set.ofSeq
    let missing = Set.difference expected finished
    let ok = missing.IsEmpty
    store.UpdateRun(parentRunId, (if ok then RunStatus.Finished else RunStatus.Failed), Nullable(nowMs ()))
    printfn "%s" note
    if not ok then
        eprintfn "sweep '%s': %d of %d children did not finish: %s" plan.Name missing.Count expected.Count (String.Join(", ", missing))
    if ok then 0 else 1

/// Runs every pending child of a plan under a parent run; returns the exit code.
let runAll (plan: SweepPlan) : int =
    use tracker = MlflowTracker.FromEnvironment(trackingUriOf plan)
    let prior =
        tracker.SearchRuns(experimentOf plan)
        |> Seq.map priorOf
        |> List.ofSeq
    let parentId = openParent tracker plan
    eprintfn "sweep '%s': %d children, parent run %s in %s" plan.Name plan.Children.Length parentId tracker.Uri
    let tags (child: SweepChild) =
        [ SweepTags.Role, "child"; SweepTags.Name, plan.Name; SweepTags.SweptKeys, String.Join(",", plan.SweptKeys) ]
    for child, previous in Sweep.matchPrior prior plan do
        match previous with
        | Some p -> eprintfn "[%d/%d] %s: already FINISHED as run %s, skipped" (child.Index + 1) plan.Children.Length child.Name p.RunId
        | None ->
            eprintfn "[%d/%d] %s: %s" (child.Index + 1) plan.Children.Length child.Name (String.Join(" ", child.Overrides))
            // A child stopped earlier (signal, kill -9, requeue) left its run id and checkpoints in its output
            // folder: it resumes into that run instead of starting over.
            let folder = Run.outputFolder child.Resolved.Config (Some child.Name)
            let resolved =
                if not child.Resolved.Config.Resume && (RunReopening.unfinishedRunOf tracker folder).IsSome then
                    eprintfn "[%d/%d] %s: resuming the stopped attempt in %s" (child.Index + 1) plan.Children.Length child.Name folder
                    { child.Resolved with Config = { child.Resolved.Config with Resume = true } }
                else child.Resolved
            let code =
                Run.guarded (fun () -> fst (Run.execute resolved tracker (Some parentId) (Some child.Name) (tags child)))
            if Run.isStopExitCode code then
                tracker.Store.UpdateRun(parentId, RunStatus.Killed, Nullable(nowMs ()))
                eprintfn "sweep '%s' stopped; run the same command again to continue (finished children are skipped, the stopped one resumes)" plan.Name
                exit code
            if code <> 0 then
                eprintfn "[%d/%d] %s FAILED (exit %d); the other children go on" (child.Index + 1) plan.Children.Length child.Name code
    closeParent tracker plan parentId

/// `sweep`: arguments after the command.
let main (argv: string[]) : int =
    ScriptArgs.handle ScriptArgs.sweepUsage (ScriptArgs.parseSweep (List.ofArray argv)) (fun args ->
        match Sweep.expand args.SweepPath args.Overrides with
        | Error e -> ConfigError.report e
        | Ok plan when plan.SweptKeys.IsEmpty ->
            eprintfn "error: %s has no 'sweep:' section and no multirun override (key=a,b,c): nothing to sweep" args.SweepPath
            eprintfn "  run a single experiment with scripts/run.fsx"
            ConfigError.ExitCode
        | Ok plan when plan.Children.IsEmpty ->
            eprintfn "error: %s: the sweep has no grid points" args.SweepPath
            ConfigError.ExitCode
        | Ok plan when args.DryRun ->
            for c in plan.Children do
                printfn "%3d  %-40s %s" c.Index c.Name (String.Join(" ", c.Overrides))
            0
        | Ok plan ->
            match args.Action with
            | ScriptArgs.EmitSlurm settings ->
                let options = SlurmEmitter.optionsFrom settings Environment.CurrentDirectory plan
                let script = SlurmEmitter.emit options plan plan.Children
                let file = defaultArg settings.Output (plan.Name + ".slurm.sh")
                File.WriteAllText(file, script)
                eprintfn "wrote %s (%d array tasks, tracking %s); submit on the cluster with: bash %s" file plan.Children.Length options.TrackingUri file
                0
            | ScriptArgs.CreateParent ->
                Run.guarded (fun () ->
                    use tracker = MlflowTracker.FromEnvironment(trackingUriOf plan)
                    printfn "%s" (openParent tracker plan)
                    0)
            | ScriptArgs.Collect parentId ->
                Run.guarded (fun () ->
                    use tracker = MlflowTracker.FromEnvironment(trackingUriOf plan)
                    closeParent tracker plan parentId)
            | ScriptArgs.RunHere -> Run.guarded (fun () -> runAll plan))
