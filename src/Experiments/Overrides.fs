/// Command-line overrides in Hydra's grammar: `a.b=v` changes a key, `+a.b=v` adds one, `++a.b=v` sets
/// or adds, `~a.b` (or `~a.b=v`) deletes; values are YAML-like primitives, 'quoted' or "quoted" strings,
/// lists `[1,2]` and maps `{a: 1}`; top-level commas (`a=0.2,0.5`) give several values (multirun).
module Research.Experiments.Overrides

open System
open System.Text
open Research.Experiments.YamlTree

/// What an override does to its key.
type Operation =
    /// `key=value`: the key must exist.
    | Change
    /// `+key=value`: the key must not exist yet.
    | Add
    /// `++key=value`: set whether or not it exists.
    | ForceAdd
    /// `~key` or `~key=value`: remove the key (if a value is given it must match).
    | Delete

/// One parsed override.
type Override =
    { Operation: Operation
      /// The dotted key split at dots.
      Path: string list
      /// One value, several for a multirun sweep, none for a bare `~key`.
      Values: Node list
      /// The override as written, for messages.
      Text: string }

    /// The dotted key.
    member this.Key = String.Join(".", this.Path)

let private keyPattern = Text.RegularExpressions.Regex(@"^[A-Za-z_][A-Za-z0-9_\-]*(\.[A-Za-z_][A-Za-z0-9_\-]*)*$")

/// A tiny recursive-descent parser over the value text.
type private ValueParser(text: string, src: Source) =
    let mutable pos = 0
    let mutable depth = 0
    member _.Fail<'T>(msg: string) : Result<'T, ConfigError> =
        Error(ConfigError.at src (sprintf "%s at character %d of the value" msg (pos + 1)))
    member _.Peek = if pos < text.Length then Some text[pos] else None
    member _.SkipSpaces() =
        while pos < text.Length && text[pos] = ' ' do
            pos <- pos + 1
    member this.Element(inNested: bool) : Result<Node, ConfigError> =
        this.SkipSpaces()
        depth <- depth + 1
        let result = this.ElementAt inNested
        depth <- depth - 1
        result
    member private this.ElementAt(inNested: bool) : Result<Node, ConfigError> =
        match this.Peek with
        | _ when depth > 32 -> this.Fail "values nested deeper than 32 levels"
        | Some '[' ->
            pos <- pos + 1
            this.Items(']', fun () -> this.Element true) |> Result.map (fun xs -> Seq(xs, src))
        | Some '{' ->
            pos <- pos + 1
            this.Items('}', fun () -> this.Pair()) |> Result.map (fun es -> Map(es, src))
        | Some('\'' | '"' as q) -> this.Quoted q |> Result.map (fun s -> Scalar(s, true, src))
        | _ ->
            let stops = if inNested then ",]}:" else ","
            let start = pos
            while pos < text.Length && not (stops.Contains text[pos]) && not ((text[pos] = '[' || text[pos] = '{')) do
                pos <- pos + 1
            if pos < text.Length && (text[pos] = '[' || text[pos] = '{') then
                this.Fail "unexpected bracket (quote the value if it is a string)"
            else
                Ok(Scalar(text.Substring(start, pos - start).Trim(), false, src))
    member this.Pair() : Result<Entry, ConfigError> =
        this.SkipSpaces()
        let start = pos
        while pos < text.Length && text[pos] <> ':' && text[pos] <> '}' && text[pos] <> ',' do
            pos <- pos + 1
        let key = text.Substring(start, pos - start).Trim()
        if this.Peek <> Some ':' || key = "" then
            this.Fail "expected 'key: value' inside {...}"
        else
            pos <- pos + 1
            this.Element true |> Result.map (fun v -> { Key = key; KeySource = src; Value = v })
    member this.Items<'T>(close: char, item: unit -> Result<'T, ConfigError>) : Result<'T list, ConfigError> =
        this.SkipSpaces()
        if this.Peek = Some close then
            pos <- pos + 1
            Ok []
        else
            let rec loop acc =
                match item () with
                | Error e -> Error e
                | Ok x ->
                    this.SkipSpaces()
                    match this.Peek with
                    | Some ',' ->
                        pos <- pos + 1
                        loop (x :: acc)
                    | Some c when c = close ->
                        pos <- pos + 1
                        Ok(List.rev (x :: acc))
                    | _ -> this.Fail(sprintf "expected ',' or '%c'" close)
            loop []
    member this.Quoted(q: char) : Result<string, ConfigError> =
        pos <- pos + 1
        let sb = StringBuilder()
        let mutable closed = false
        while not closed && pos < text.Length do
            match text[pos] with
            | '\\' when pos + 1 < text.Length && (text[pos + 1] = q || text[pos + 1] = '\\') ->
                sb.Append(text[pos + 1]) |> ignore
                pos <- pos + 2
            | c when c = q ->
                closed <- true
                pos <- pos + 1
            | c ->
                sb.Append(c) |> ignore
                pos <- pos + 1
        if closed then Ok(sb.ToString()) else this.Fail(sprintf "unclosed %c quote" q)
    /// Top level: one element or several separated by commas (multirun).
    member this.Values() : Result<Node list, ConfigError> =
        let rec loop acc =
            match this.Element false with
            | Error e -> Error e
            | Ok x ->
                this.SkipSpaces()
                match this.Peek with
                | None -> Ok(List.rev (x :: acc))
                | Some ',' ->
                    pos <- pos + 1
                    loop (x :: acc)
                | Some c -> this.Fail(sprintf "unexpected '%c'" c)
        loop []

let private sweepFunction = Text.RegularExpressions.Regex(@"^\s*(choice|range)\((.*)\)\s*$")

/// Hydra's sweep functions: `choice(a, b, …)` is the same as `a,b,…`; `range(start, stop[, step])`
/// counts from start (inclusive) to stop (exclusive) like Python's range, floats allowed.
let private expandFunction (src: Source) (name: string) (args: string) : Result<Node list, ConfigError> =
    match ValueParser(args, src).Values() with
    | Error e -> Error e
    | Ok [] -> Error(ConfigError.at src (sprintf "%s() needs values" name))
    | Ok values when name = "choice" -> Ok values
    | Ok values ->
        let numbers = values |> List.map (function Scalar(t, q, _) -> interpret t q | _ -> VNull)
        let asFloat = function VInt i -> Some(float i) | VFloat f -> Some f | _ -> None
        let allInts = numbers |> List.forall (function VInt _ -> true | _ -> false)
        let generate (start: float) (stop: float) (step: float) =
            let count = max 0 (int (ceil ((stop - start) / step - 1e-9)))
            if count > 1000 then
                Error(ConfigError.at src "range() would give more than 1000 values")
            else
                // Rounded so that range(0, 1, 0.1) gives 0.3, not 0.30000000000000004.
                Ok [ for i in 0 .. count - 1 ->
                         let x = start + float i * step
                         let text = if allInts then string (int64 x) else canonical (VFloat(Math.Round(x, 10)))
                         Scalar(text, false, src) ]
        match numbers |> List.map asFloat with
        | [ Some start; Some stop ] -> generate start stop 1.0
        | [ Some start; Some stop; Some step ] when step <> 0.0 -> generate start stop step
        | _ -> Error(ConfigError.withHint src "range() takes numbers: range(start, stop) or range(start, stop, step)" "the step must not be 0")

/// Parses one override, e.g. `model.poto.alpha=0.6`, `+model.backbone.weights='w.pth'`, `~eval`,
/// `model.poto.alpha=0.2,0.5` (two values).
let parse (text: string) : Result<Override, ConfigError> =
    let src = InOverride text
    let op, rest =
        if text.StartsWith "++" then ForceAdd, text.Substring 2
        elif text.StartsWith "+" then Add, text.Substring 1
        elif text.StartsWith "~" then Delete, text.Substring 1
        else Change, text
    let key, value =
        match rest.IndexOf '=' with
        | -1 -> rest.Trim(), None
        | i -> rest.Substring(0, i).Trim(), Some(rest.Substring(i + 1))
    if not (keyPattern.IsMatch key) then
        Error(
            ConfigError.withHint src (sprintf "'%s' is not a dotted key" key)
                "overrides look like key.sub=value, +key=value (add), ++key=value (set or add) or ~key (delete)"
        )
    else
        let path = key.Split('.') |> List.ofArray
        match op, value with
        | Delete, None -> Ok { Operation = Delete; Path = path; Values = []; Text = text }
        | _, None -> Error(ConfigError.withHint src "missing '=value'" (sprintf "write %s=VALUE" key))
        | _, Some v ->
            let m = sweepFunction.Match v
            (if m.Success then expandFunction src m.Groups[1].Value m.Groups[2].Value else ValueParser(v, src).Values())
            |> Result.map (fun values -> { Operation = op; Path = path; Values = values; Text = text })

/// The Hydra text of a value (inverse of parsing for one element): plain when safe, else single-quoted.
let rec valueText (node: Node) : string =
    match node with
    | Scalar(t, q, _) ->
        let plainOk = t <> "" && t.Trim() = t && t.IndexOfAny([| ','; '['; ']'; '{'; '}'; '\''; '"'; ':'; '=' ; ' ' |]) < 0
        match interpret t q with
        | VString s when plainOk && interpret s false = VString s -> s
        | VString s -> "'" + s.Replace("\\", "\\\\").Replace("'", "\\'") + "'"
        | VNull -> "null"
        | v when plainOk && not q -> t
        | v -> canonical v
    | Seq(items, _) -> "[" + String.Join(",", items |> List.map valueText) + "]"
    | Map(entries, _) -> "{" + String.Join(",", entries |> List.map (fun e -> e.Key + ":" + valueText e.Value)) + "}"

/// The override text `key=value` (or `++key=value`) for one value.
let render (operation: Operation) (key: string) (value: Node) : string =
    let prefix =
        match operation with
        | Change -> ""
        | Add -> "+"
        | ForceAdd -> "++"
        | Delete -> "~"
    prefix + key + "=" + valueText value

let rec private update (path: string list) (f: Node option -> Result<Node option, string>) (node: Node) : Result<Node, string> =
    match path, node with
    | [ key ], Map(entries, src) ->
        let existing = entries |> List.tryFind (fun e -> e.Key = key)
        f (existing |> Option.map (fun e -> e.Value))
        |> Result.map (fun result ->
            match existing, result with
            | Some _, Some v -> Map(entries |> List.map (fun e -> if e.Key = key then { e with Value = v } else e), src)
            | Some _, None -> Map(entries |> List.filter (fun e -> e.Key <> key), src)
            | None, Some v -> Map(entries @ [ { Key = key; KeySource = sourceOf v; Value = v } ], src)
            | None, None -> Map(entries, src))
    | key :: rest, Map(entries, src) ->
        match entries |> List.tryFind (fun e -> e.Key = key) with
        | Some e -> update rest f e.Value |> Result.map (fun v -> Map(entries |> List.map (fun x -> if x.Key = key then { x with Value = v } else x), src))
        | None ->
            // Only adding creates missing sections.
            match f None with
            | Ok(Some _) ->
                update rest f (Map([], Generated))
                |> Result.map (fun v -> Map(entries @ [ { Key = key; KeySource = sourceOf v; Value = v } ], src))
            | Ok None -> Ok node
            | Error e -> Error e
    | _, _ -> Error "a parent of this key is not a mapping"

/// Applies overrides in order. `validKeys` (every dotted key the schema knows, sections included) is used
/// for did-you-mean hints when a key is missing. Several values (multirun) are refused here: they belong
/// to a sweep.
let apply (validKeys: string list) (overrides: Override list) (root: Node) : Result<Node, ConfigError> =
    let applyOne (tree: Node) (o: Override) : Result<Node, ConfigError> =
        let src = InOverride o.Text
        let key = o.Key
        let known = validKeys |> List.exists (fun k -> k = key || k.StartsWith(key + "."))
        let missing () =
            if known then
                ConfigError.withHint src (sprintf "key '%s' is not in the config" key) (sprintf "to add it, write +%s" (o.Text.TrimStart('~', '+')))
            else
                ConfigError.at src (sprintf "unknown key '%s'%s" key (DidYouMean.hint validKeys key))
        let describe (node: Node) = sprintf "%s (set at %s)" (YamlWriter.flow node) (sourceOf node).Describe
        match o.Values with
        | _ :: _ :: _ ->
            Error(
                ConfigError.withHint src (sprintf "several values for '%s' (a multirun sweep)" key)
                    "run several values with scripts/sweep.fsx; scripts/run.fsx takes one value per key"
            )
        | values ->
            let value = List.tryHead values
            let change (current: Node option) : Result<Node option, string> =
                match o.Operation, current, value with
                | Change, Some _, Some v -> Ok(Some v)
                | Change, None, _ -> Error "missing"
                | Add, Some cur, _ -> Error(sprintf "'%s' is already set to %s; change it with %s=..." key (describe cur) key)
                | Add, None, Some v
                | ForceAdd, _, Some v -> Ok(Some v)
                | Delete, None, _ -> Error "missing"
                | Delete, Some cur, Some v when not (sameValue cur v) ->
                    Error(sprintf "'%s' is %s, not %s" key (describe cur) (YamlWriter.flow v))
                | Delete, Some _, _ -> Ok None
                | _, _, None -> Error "missing value"
            match update o.Path change tree with
            | Ok t -> Ok t
            | Error "missing" -> Error(missing ())
            | Error msg -> Error(ConfigError.at src msg)
    List.fold (fun acc o -> acc |> Result.bind (fun t -> applyOne t o)) (Ok root) overrides
