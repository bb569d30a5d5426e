/// Sweeps: a sweep file (`_base_` + `sweep:` dotted key → list of values, plus any settings) or multirun
/// overrides (`model.poto.alpha=0.2,0.5,0.8`) → the cartesian grid of children, each a validated config
/// and the exact `run.fsx` command line that reproduces it; matching children already FINISHED (resume).
namespace Research.Experiments

open System
open System.IO
open System.Security.Cryptography
open System.Text
open Research.Experiments.YamlTree

/// One point of the grid.
type SweepChild =
    { /// 0-based position in the grid (the Slurm array index).
      Index: int
      /// Stable run name, e.g. `sweep_alpha[alpha=0.2]`.
      Name: string
      /// Swept key → value text, in sweep key order.
      Assignments: (string * string) list
      /// The overrides that, given to `run.fsx ConfigPath`, give exactly this child's config.
      Overrides: string list
      /// The child's validated config.
      Resolved: ResolvedConfig
      /// A hash of the child's flattened config (execution-only keys left out).
      Signature: string }

/// A whole sweep.
type SweepPlan =
    { /// The sweep file, or the config file for a multirun on a plain config.
      SweepPath: string
      /// The sweep's name (its `name:`), used for the parent run.
      Name: string
      /// The experiment file every child starts from (the sweep file's `_base_`).
      ConfigPath: string
      /// The command-line overrides the sweep was expanded with.
      Overrides: string list
      /// The swept dotted keys, outermost first.
      SweptKeys: string list
      /// The children in grid order (last key varies fastest, as Hydra's basic sweeper).
      Children: SweepChild list }

/// A run already in the tracking store (for resume matching).
type PriorRun = { RunId: string; Status: string; Params: Map<string, string> }

/// Sweep expansion and resume matching.
module Sweep =
    /// The largest grid expanded (each point is a training run).
    [<Literal>]
    let MaxPoints = 10000L

    /// Keys that change how a run executes but not what it computes; resume matching ignores them.
    let executionOnlyKeys : string list = [ "resume"; "threads"; "device"; "tracking.uri"; "output.dir" ]

    /// The cartesian product of the value lists, first key outermost (varies slowest).
    let grid (axes: (string * 'v list) list) : (string * 'v) list list =
        List.foldBack (fun (key, values) rest -> [ for v in values do for r in rest -> (key, v) :: r ]) axes [ [] ]

    /// The short display name of each swept key: its last segment, or the whole key when two swept keys
    /// share the last segment.
    let shortNames (keys: string list) : Map<string, string> =
        let last (k: string) = k.Substring(k.LastIndexOf '.' + 1)
        keys
        |> List.map (fun k ->
            let clash = keys |> List.filter (fun o -> last o = last k) |> List.length > 1
            k, (if clash then k else last k))
        |> Map.ofList

    /// The signature of a config: SHA-256 (hex, 16 chars) of its flattened `key=value` lines without the
    /// execution-only keys.
    let signature (resolved: ResolvedConfig) : string =
        let lines =
            Config.flatten resolved
            |> List.filter (fun (k, _) -> not (List.contains k executionOnlyKeys))
            |> List.map (fun (k, v) -> k + "=" + v)
        let bytes = SHA256.HashData(Encoding.UTF8.GetBytes(String.Join("\n", lines)))
        Convert.ToHexString(bytes).Substring(0, 16).ToLowerInvariant()

    /// True when a prior run is FINISHED and holds this child's config as params (every flattened key
    /// except the execution-only ones, equal as text).
    let matchesFinished (child: SweepChild) (run: PriorRun) : bool =
        run.Status = "FINISHED"
        && Config.flatten child.Resolved
           |> List.forall (fun (k, v) -> List.contains k executionOnlyKeys || run.Params.TryFind k = Some v)

    /// Each child with the newest matching FINISHED run, if any (runs are given newest first).
    let matchPrior (runs: PriorRun list) (plan: SweepPlan) : (SweepChild * PriorRun option) list =
        plan.Children |> List.map (fun c -> c, runs |> List.tryFind (matchesFinished c))

    /// The children still to run.
    let pending (runs: PriorRun list) (plan: SweepPlan) : SweepChild list =
        matchPrior runs plan |> List.filter (fun (_, r) -> r.IsNone) |> List.map fst

    let private sequence (results: Result<'a, ConfigError> list) : Result<'a list, ConfigError> =
        List.foldBack (fun r acc -> match r, acc with | Ok x, Ok xs -> Ok(x :: xs) | Error e, _ | _, Error e -> Error e) results (Ok [])

    let rec private leafOverrides (prefix: string) (node: Node) : Result<(string * Node) list, ConfigError> =
        match node with
        | Map(entries, _) ->
            entries
            |> List.map (fun e ->
                if e.Key = Inheritance.DeleteKey then
                    Error(ConfigError.withHint e.KeySource "_delete_ is not supported in sweep files" "put the replacement in an experiment file and use it as the sweep's _base_")
                else
                    leafOverrides (if prefix = "" then e.Key else prefix + "." + e.Key) e.Value)
            |> sequence
            |> Result.map List.concat
        | leaf -> Ok [ prefix, leaf ]

    let private forceAdd (key: string) (value: Node) : Overrides.Override =
        { Operation = Overrides.ForceAdd
          Path = key.Split('.') |> List.ofArray
          Values = [ value ]
          Text = Overrides.render Overrides.ForceAdd key value }

    let private checkKey (key: string) (where: Source) =
        if List.contains key Config.validKeys then Ok()
        else Error(ConfigError.at where (sprintf "unknown key '%s'%s" key (DidYouMean.hint Config.validKeys key)))

    let private relative (workDir: string) (path: string) =
        Path.GetRelativePath(workDir, Path.GetFullPath(path, workDir)).Replace('\\', '/')

    /// Builds the plan: `configPath` is the experiment file, `settings` extra `key → value` from the sweep
    /// file (applied with ++), `axes` the swept keys with their values, `cliOverrides` the single-valued
    /// command-line overrides. Every child is validated; the first bad one is the error.
    let private plan (workDir: string) (given: string list) (sweepPath: string) (configPath: string) (settings: (string * Node) list) (axes: (string * Node list) list) (cliOverrides: Overrides.Override list) : Result<SweepPlan, ConfigError> =
        let common = (settings |> List.map (fun (k, v) -> forceAdd k v)) @ cliOverrides
        let points = axes |> List.fold (fun n (_, values) -> n * int64 (List.length values)) 1L
        match Config.resolveTree configPath [] with
        | Error e -> Error e
        | Ok _ when points > MaxPoints ->
            Error(
                ConfigError.withHint (InFile(sweepPath, 0, 0)) (sprintf "the sweep has %d points, more than %d" points MaxPoints)
                    (sprintf "axes: %s" (String.Join(" x ", axes |> List.map (fun (k, v) -> sprintf "%s (%d)" k v.Length))))
            )
        | Ok baseTree ->
            let names = shortNames (List.map fst axes)
            let sweepName =
                match (common |> List.rev |> List.tryFind (fun o -> o.Key = "name")) with
                | Some o -> (match o.Values with [ Scalar(t, _, _) ] -> t | _ -> "sweep")
                | None -> (match tryFind [ "name" ] baseTree with Some(Scalar(t, _, _)) -> t | _ -> "sweep")
            let child (index: int) (point: (string * Node) list) : Result<SweepChild, ConfigError> =
                let swept = point |> List.map (fun (k, v) -> forceAdd k v)
                let assignments = point |> List.map (fun (k, v) -> k, Overrides.valueText v)
                let label = String.Join(",", assignments |> List.map (fun (k, v) -> names[k] + "=" + v))
                let overrideTexts = (common @ swept) |> List.map (fun o -> o.Text)
                let resolved =
                    Overrides.apply Config.validKeys (common @ swept) baseTree
                    |> Result.bind (Config.ofTree workDir configPath overrideTexts)
                match resolved with
                | Error e when not point.IsEmpty -> Error { e with Message = sprintf "sweep point [%s]: %s" label e.Message }
                | Error e -> Error e
                | Ok r ->
                    Ok
                        { Index = index
                          Name = (if label = "" then sweepName else sprintf "%s[%s]" sweepName label)
                          Assignments = assignments
                          Overrides = overrideTexts
                          Resolved = r
                          Signature = signature r }
            grid axes
            |> List.mapi child
            |> sequence
            |> Result.map (fun children ->
                { SweepPath = relative workDir sweepPath
                  Name = sweepName
                  ConfigPath = relative workDir configPath
                  Overrides = given
                  SweptKeys = List.map fst axes
                  Children = children })

    /// Splits command-line overrides into swept axes (several values) and single overrides.
    let private splitOverrides (overrides: string list) =
        overrides
        |> List.map Overrides.parse
        |> sequence
        |> Result.map (List.partition (fun o -> o.Values.Length > 1))

    /// Reads a sweep file's `_base_`, own settings and `sweep:` axes.
    let private readSweepFile (workDir: string) (path: string) =
        match parseFile path with
        | Error e -> Error e
        | Ok(Map(entries, _)) ->
            let dir = match Path.GetDirectoryName(Path.GetFullPath(path, workDir)) with | null -> workDir | d -> d
            let baseFile =
                match entries |> List.tryFind (fun e -> e.Key = Inheritance.BaseKey) with
                | Some { Value = Scalar(t, _, _) } when t.Trim() <> "" -> Ok(Path.Combine(dir, t))
                | Some e -> Error(ConfigError.at e.KeySource "a sweep file's _base_ must name one experiment file")
                | None -> Error(ConfigError.withHint (InFile(path, 0, 0)) "a sweep file needs _base_" "name the experiment it varies, e.g. _base_: ../quickstart.yaml")
            let axes =
                match entries |> List.tryFind (fun e -> e.Key = Config.SweepKey) with
                | Some { Value = Map(axes, _) } ->
                    axes
                    |> List.map (fun a ->
                        checkKey a.Key a.KeySource
                        |> Result.bind (fun () ->
                            match a.Value with
                            | Seq(values, _) when not values.IsEmpty ->
                                match values |> List.tryFindIndex (fun v -> (values |> List.filter (sameValue v)).Length > 1) with
                                | Some i -> Error(ConfigError.at (sourceOf values[i]) (sprintf "sweep.%s repeats the value %s" a.Key (YamlWriter.flow values[i])))
                                | None -> Ok(a.Key, values)
                            | other -> Error(ConfigError.at (sourceOf other) (sprintf "sweep.%s must be a non-empty list of values" a.Key))))
                    |> sequence
                | Some e -> Error(ConfigError.at e.KeySource "sweep: must map dotted keys to lists of values")
                | None -> Error(ConfigError.inFile path "not a sweep file: no 'sweep:' section")
            let own = entries |> List.filter (fun e -> e.Key <> Inheritance.BaseKey && e.Key <> Config.SweepKey)
            let settings =
                leafOverrides "" (Map(own, Generated))
                |> Result.bind (fun leaves ->
                    leaves |> List.map (fun (k, v) -> checkKey k (sourceOf v) |> Result.map (fun () -> k, v)) |> sequence)
            match baseFile, axes, settings with
            | Ok b, Ok a, Ok s -> Ok(b, s, a)
            | Error e, _, _
            | _, Error e, _
            | _, _, Error e -> Error e
        | Ok _ -> Error(ConfigError.inFile path "the top level of a sweep file must be a mapping of keys")

    /// Expands a sweep file, or a plain config with multirun overrides, into a validated plan. Command-line
    /// overrides win over the sweep file: several values replace that key's axis (or add an axis), one
    /// value fixes the key. Relative paths are resolved against `workDir`.
    let expandIn (workDir: string) (path: string) (overrides: string list) : Result<SweepPlan, ConfigError> =
        match splitOverrides overrides with
        | Error e -> Error e
        | Ok(multi, single) ->
            let cliAxes = multi |> List.map (fun o -> o.Key, o.Values)
            let fixedKeys = single |> List.map (fun o -> o.Key)
            let combine (fileAxes: (string * Node list) list) =
                let kept = fileAxes |> List.filter (fun (k, _) -> not (List.contains k fixedKeys))
                let replaced = kept |> List.map (fun (k, v) -> k, (cliAxes |> List.tryFind (fun (c, _) -> c = k) |> Option.map snd |> Option.defaultValue v))
                replaced @ (cliAxes |> List.filter (fun (k, _) -> not (List.exists (fun (f, _) -> f = k) fileAxes)))
            let isSweepFile =
                match parseFile path with
                | Ok tree -> (tryFind [ Config.SweepKey ] tree).IsSome
                | Error _ -> false
            if isSweepFile then
                readSweepFile workDir path
                |> Result.bind (fun (baseFile, settings, axes) -> plan workDir overrides path baseFile settings (combine axes) single)
            else
                plan workDir overrides path path [] (combine []) single

    /// `expandIn` against the current directory.
    let expand (path: string) (overrides: string list) : Result<SweepPlan, ConfigError> =
        expandIn Environment.CurrentDirectory path overrides
