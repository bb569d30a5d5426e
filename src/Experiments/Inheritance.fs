/// `_base_:` inheritance (mmdetection style): a file names one or more base files (relative to itself),
/// bases are merged in order and the file is merged on top; `_delete_: true` in a mapping replaces the
/// base's mapping instead of merging into it.
module Research.Experiments.Inheritance

open System.IO
open Research.Experiments.YamlTree

/// The key naming base files.
[<Literal>]
let BaseKey = "_base_"

/// The key that makes a mapping replace (not merge into) the base's mapping.
[<Literal>]
let DeleteKey = "_delete_"

let private deleteFlag (entries: Entry list) : Result<bool, ConfigError> =
    match entries |> List.tryFind (fun e -> e.Key = DeleteKey) with
    | None -> Ok false
    | Some e ->
        match e.Value with
        | Scalar(t, q, _) ->
            match interpret t q with
            | VBool b -> Ok b
            | _ -> Error(ConfigError.at e.KeySource (sprintf "_delete_ must be true or false, got '%s'" t))
        | _ -> Error(ConfigError.at e.KeySource "_delete_ must be true or false")

let private without (key: string) (entries: Entry list) = entries |> List.filter (fun e -> e.Key <> key)

let private sequence (results: Result<'a, ConfigError> list) : Result<'a list, ConfigError> =
    List.foldBack
        (fun r acc ->
            match r, acc with
            | Ok x, Ok xs -> Ok(x :: xs)
            | Error e, _ -> Error e
            | _, Error e -> Error e)
        results
        (Ok [])

/// Removes every `_delete_` marker (after checking it is a boolean).
let rec stripDeleteMarkers (node: Node) : Result<Node, ConfigError> =
    match node with
    | Map(entries, src) ->
        match deleteFlag entries with
        | Error e -> Error e
        | Ok _ ->
            without DeleteKey entries
            |> List.map (fun e -> stripDeleteMarkers e.Value |> Result.map (fun v -> { e with Value = v }))
            |> sequence
            |> Result.map (fun es -> Map(es, src))
    | Seq(items, src) -> items |> List.map stripDeleteMarkers |> sequence |> Result.map (fun xs -> Seq(xs, src))
    | scalar -> Ok scalar

/// Deep merge: mappings merge key by key (base order kept, new keys appended), anything else in the
/// child replaces the base's value; a child mapping with `_delete_: true` replaces the base's mapping.
let rec merge (baseNode: Node) (child: Node) : Result<Node, ConfigError> =
    match baseNode, child with
    | Map(baseEntries, _), Map(childEntries, childSrc) ->
        match deleteFlag childEntries with
        | Error e -> Error e
        | Ok true -> Ok(Map(without DeleteKey childEntries, childSrc))
        | Ok false ->
            let childOnly = without DeleteKey childEntries
            let mergedBase =
                baseEntries
                |> List.map (fun b ->
                    match childOnly |> List.tryFind (fun c -> c.Key = b.Key) with
                    | Some c -> merge b.Value c.Value |> Result.map (fun v -> { c with Value = v })
                    | None -> Ok b)
                |> sequence
            let added = childOnly |> List.filter (fun c -> baseEntries |> List.forall (fun b -> b.Key <> c.Key))
            mergedBase |> Result.map (fun es -> Map(es @ added, childSrc))
    | _, replacement -> Ok replacement

let private baseNames (entry: Entry) : Result<(string * Source) list, ConfigError> =
    let one node =
        match node with
        | Scalar(t, q, src) ->
            match interpret t q with
            | VString s when s.Trim() <> "" -> Ok(s, src)
            | _ -> Error(ConfigError.at src (sprintf "_base_ must name a YAML file, got '%s'" t))
        | other -> Error(ConfigError.at (sourceOf other) "_base_ must be a file name or a list of file names")
    match entry.Value with
    | Seq(items, _) -> items |> List.map one |> sequence
    | node -> one node |> Result.map List.singleton

/// Reads a file and its chain of bases into one merged tree (still holding `_delete_` markers only
/// where nothing was merged; call stripDeleteMarkers after). `chain` is the list of files being loaded,
/// to refuse cycles.
let rec private loadChain (path: string) (chain: string list) : Result<Node, ConfigError> =
    let full = Path.GetFullPath path
    match parseFile path with
    | Error e -> Error e
    | Ok(Map(entries, src)) ->
        match entries |> List.tryFind (fun e -> e.Key = BaseKey) with
        | None -> Ok(Map(entries, src))
        | Some baseEntry ->
            let own = Map(without BaseKey entries, src)
            let dir = match Path.GetDirectoryName full with | null -> "." | d -> d
            let loadBase (name: string, where: Source) =
                let basePath = Path.Combine(dir, name)
                let baseFull = Path.GetFullPath basePath
                if List.contains baseFull (full :: chain) then
                    let cycle = (List.rev (full :: chain) @ [ baseFull ]) |> List.map (fun p -> match Path.GetFileName p with | null -> p | n -> n)
                    Error(ConfigError.at where (sprintf "_base_ cycle: %s" (String.concat " -> " cycle)))
                elif not (File.Exists basePath) then
                    Error(ConfigError.withHint where (sprintf "_base_ file '%s' not found" name) (sprintf "looked for %s (relative to this file)" baseFull))
                else
                    loadChain basePath (full :: chain)
            match baseNames baseEntry with
            | Error e -> Error e
            | Ok names ->
                match names |> List.map loadBase |> sequence with
                | Error e -> Error e
                | Ok bases ->
                    let folded =
                        (Ok(Map([], src)), bases)
                        ||> List.fold (fun acc b -> acc |> Result.bind (fun a -> merge a b))
                    folded |> Result.bind (fun b -> merge b own)
    | Ok _ -> Error(ConfigError.inFile path "the top level of a config file must be a mapping of keys")

/// A config file with all its bases merged and `_delete_` markers applied.
let loadFile (path: string) : Result<Node, ConfigError> =
    loadChain path [] |> Result.bind stripDeleteMarkers
