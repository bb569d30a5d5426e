/// Loading an experiment config: file + `_base_` chain → overrides → schema check → typed config →
/// cross-key checks. Also the printable YAML (`--print-config`) and the flat `dotted.key → value` view
/// logged as MLflow params.
namespace Research.Experiments

open System
open System.IO
open Research.Experiments.YamlTree

/// A config after inheritance, overrides and validation.
type ResolvedConfig =
    { /// The typed settings.
      Config: ExperimentConfig
      /// The merged tree (key order of the files, sources kept for messages).
      Tree: Node
      /// The file it was loaded from.
      Path: string
      /// The overrides applied, as given.
      Overrides: string list }

/// Loading, printing and flattening configs.
module Config =
    /// The key that marks a sweep file (only Sweep.load reads those).
    [<Literal>]
    let SweepKey = "sweep"

    /// Every valid dotted key of an experiment config (sections included).
    let validKeys : string list = ConfigSchema.validKeys

    let private sequence (results: Result<'a, ConfigError> list) : Result<'a list, ConfigError> =
        List.foldBack (fun r acc -> match r, acc with | Ok x, Ok xs -> Ok(x :: xs) | Error e, _ | _, Error e -> Error e) results (Ok [])

    /// Validates a merged tree (after overrides) and builds the typed config. Relative data paths are
    /// checked against `workDir`.
    let ofTree (workDir: string) (path: string) (overrides: string list) (tree: Node) : Result<ResolvedConfig, ConfigError> =
        match Schema.checkSection validKeys "" ConfigSchema.fields tree with
        | Error e -> Error e
        | Ok() ->
            let config = ConfigDecode.decode tree
            match Validation.check workDir config with
            | p :: _ ->
                let where =
                    match tryFindEntry (p.Key.Split('.') |> List.ofArray) tree with
                    | Some entry -> sourceOf entry.Value
                    | None -> InFile(path, 0, 0)
                Error { Where = where; Message = p.Message; Hint = p.Hint }
            | [] -> Ok { Config = config; Tree = tree; Path = path; Overrides = overrides }

    /// The merged tree of a file (with its bases) and overrides, before the schema check.
    let resolveTree (path: string) (overrides: string list) : Result<Node, ConfigError> =
        match Inheritance.loadFile path with
        | Error e -> Error e
        | Ok tree ->
            match tryFindEntry [ SweepKey ] tree with
            | Some entry ->
                Error(
                    ConfigError.withHint entry.KeySource "this is a sweep file (it has a 'sweep:' section)"
                        "run it with scripts/sweep.fsx, or give run.fsx the experiment it is based on"
                )
            | None ->
                overrides
                |> List.map Overrides.parse
                |> sequence
                |> Result.bind (fun parsed -> Overrides.apply validKeys parsed tree)

    /// Loads, overrides and validates a config, resolving relative data paths against `workDir`.
    let loadIn (workDir: string) (path: string) (overrides: string list) : Result<ResolvedConfig, ConfigError> =
        resolveTree path overrides |> Result.bind (ofTree workDir path overrides)

    /// Loads, overrides and validates a config (relative data paths against the current directory).
    let load (path: string) (overrides: string list) : Result<ResolvedConfig, ConfigError> =
        loadIn Environment.CurrentDirectory path overrides

    /// `experiments/base.yaml` of the checkout the library runs from (found from the current directory, then from
    /// the library's folder upwards): the config of tools called without one.
    let defaultPath () : string =
        let candidates =
            seq {
                yield Path.Combine(Environment.CurrentDirectory, "experiments", "base.yaml")
                let rec upwards (dir: string) =
                    seq {
                        yield Path.Combine(dir, "experiments", "base.yaml")
                        match Path.GetDirectoryName dir with
                        | null -> ()
                        | parent when parent <> dir -> yield! upwards parent
                        | _ -> ()
                    }
                yield! upwards (Path.GetFullPath AppContext.BaseDirectory)
            }
        match candidates |> Seq.tryFind File.Exists with
        | Some path -> path
        | None -> raise (FileNotFoundException("experiments/base.yaml was not found (from the current directory or the library's folder); pass a config file"))

    /// The resolved config as YAML text that loads back to the same config (`--print-config`; saved
    /// with every run as `config.yaml`).
    let toYaml (resolved: ResolvedConfig) : string = YamlWriter.toText resolved.Tree

    let rec private flattenNode (prefix: string) (node: Node) : (string * string) list =
        match node with
        | Map(entries, _) ->
            entries
            |> List.collect (fun e -> flattenNode (if prefix = "" then e.Key else prefix + "." + e.Key) e.Value)
        | Scalar(t, q, _) -> [ prefix, canonical (interpret t q) ]
        | Seq _ -> [ prefix, YamlWriter.flow node ]

    /// Every leaf as `dotted.key → value` in file order (numbers canonical: `1e-4` → `0.0001`; lists as
    /// `[a, b]`) — the MLflow params of a run.
    let flatten (resolved: ResolvedConfig) : (string * string) list = flattenNode "" resolved.Tree

    /// The value at a dotted key as flattened text (a section gives its flow YAML), if present.
    let tryGet (key: string) (resolved: ResolvedConfig) : string option =
        tryFind (key.Split('.') |> List.ofArray) resolved.Tree
        |> Option.map (function
            | Scalar(t, q, _) -> canonical (interpret t q)
            | other -> YamlWriter.flow other)
