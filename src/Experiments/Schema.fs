/// A declarative description of the allowed keys, their types and ranges, and the check of a YAML tree
/// against it: unknown keys (with did-you-mean), missing keys, type and range errors, each naming the
/// file and line, the full dotted key and the value.
module Research.Experiments.Schema

open System
open Research.Experiments.YamlTree

/// The type of a scalar value.
type Kind =
    | KInt
    | KFloat
    | KBool
    | KString
    /// One of the listed words (compared exactly).
    | KEnum of string list

/// A scalar slot: its type, whether null is allowed, and a range rule returning what is wrong.
type Leaf =
    { Kind: Kind
      Nullable: bool
      Rule: ScalarValue -> string option }

/// What a key holds.
type Spec =
    | Value of Leaf
    /// A list of scalars with a rule on the length (returns what is wrong).
    | ListOf of Leaf * lengthRule: (int -> string option)
    | Section of Field list
    /// A mapping whose allowed keys depend on a tag key (e.g. `kind: synthetic | coco`).
    | Variant of tag: string * cases: (string * Field list) list

/// A named key. Optional keys may be absent (their value is then "not set").
and Field = { Name: string; Spec: Spec; Optional: bool }

/// A required key.
let field name spec = { Name = name; Spec = spec; Optional = false }

/// A key that may be absent.
let optional name spec = { Name = name; Spec = spec; Optional = true }

let private noRule (_: ScalarValue) : string option = None

let private number (v: ScalarValue) =
    match v with
    | VInt i -> Some(float i)
    | VFloat f -> Some f
    | _ -> None

/// An integer with a rule on its value.
let integer (rule: float -> string option) = Value { Kind = KInt; Nullable = false; Rule = number >> Option.bind rule }

/// A float (integers accepted) with a rule on its value.
let real (rule: float -> string option) = Value { Kind = KFloat; Nullable = false; Rule = number >> Option.bind rule }

/// A boolean.
let boolean = Value { Kind = KBool; Nullable = false; Rule = noRule }

/// A string with a rule on it.
let text (rule: string -> string option) =
    Value { Kind = KString; Nullable = false; Rule = (function VString s -> rule s | v -> rule (canonical v)) }

/// A string that may be null.
let nullableString = Value { Kind = KString; Nullable = true; Rule = noRule }

/// One of the given words.
let choice (words: string list) = Value { Kind = KEnum words; Nullable = false; Rule = noRule }

/// A list of numbers (floats; integers accepted) with a rule per element and on the length.
let floats (rule: float -> string option) (lengthRule: int -> string option) =
    ListOf({ Kind = KFloat; Nullable = false; Rule = number >> Option.bind rule }, lengthRule)

/// A list of integers with a rule per element and on the length.
let ints (rule: float -> string option) (lengthRule: int -> string option) =
    ListOf({ Kind = KInt; Nullable = false; Rule = number >> Option.bind rule }, lengthRule)

/// Range rules, each returning the reason a value fails.
module Rules =
    let any (_: float) : string option = None
    let positive (x: float) = if x > 0.0 then None else Some "must be > 0"
    let nonNegative (x: float) = if x >= 0.0 then None else Some "must be >= 0"
    let atLeast (lo: float) (x: float) = if x >= lo then None else Some(sprintf "must be >= %g" lo)
    let between (lo: float) (hi: float) (x: float) =
        if x >= lo && x <= hi then None else Some(sprintf "must be in [%g, %g]" lo hi)
    let nonEmpty (n: int) = if n > 0 then None else Some "must not be empty"
    let exactly (k: int) (n: int) = if n = k then None else Some(sprintf "must have exactly %d values" k)
    let anyLength (_: int) : string option = None
    let notBlank (s: string) = if String.IsNullOrWhiteSpace s then Some "must not be empty" else None

/// Every dotted key the schema allows, sections included (for did-you-mean).
let rec validKeys (prefix: string) (fields: Field list) : string list =
    [ for f in fields do
          let key = if prefix = "" then f.Name else prefix + "." + f.Name
          yield key
          match f.Spec with
          | Section children -> yield! validKeys key children
          | Variant(_, cases) -> yield! cases |> List.collect (fun (_, fs) -> validKeys key fs) |> List.distinct
          | _ -> () ]

let private kindName (kind: Kind) =
    match kind with
    | KInt -> "an integer"
    | KFloat -> "a number"
    | KBool -> "true or false"
    | KString -> "a string"
    | KEnum words -> "one of " + String.Join(", ", words)

let private checkLeaf (key: string) (leaf: Leaf) (node: Node) : Result<unit, ConfigError> =
    match node with
    | Scalar(text, quoted, src) ->
        let value = interpret text quoted
        let typeError () =
            let got =
                match value with
                | VString s when quoted && (interpret s false <> VString s) -> sprintf "the quoted string \"%s\" (remove the quotes)" s
                | VNull -> "null"
                | _ -> sprintf "'%s'" text
            Error(ConfigError.at src (sprintf "%s must be %s, got %s" key (kindName leaf.Kind) got))
        let typed =
            match leaf.Kind, value with
            | _, VNull when leaf.Nullable -> Ok false
            | _, VNull -> typeError ()
            | KInt, VInt i when i > int64 Int32.MaxValue || i < int64 Int32.MinValue ->
                Error(ConfigError.at src (sprintf "%s = %s is too large for an integer setting" key text))
            | KInt, VInt _
            | KBool, VBool _ -> Ok true
            | KFloat, VFloat f when Double.IsNaN f || Double.IsInfinity f ->
                Error(ConfigError.at src (sprintf "%s must be a finite number, got '%s'" key text))
            | KFloat, (VInt _ | VFloat _) -> Ok true
            | KString, _ -> Ok true
            | KEnum words, VString s when List.contains s words -> Ok true
            | KEnum words, _ when List.contains text words -> Ok true
            | KEnum words, _ ->
                match words |> List.tryFind (fun w -> String.Equals(w, text, StringComparison.OrdinalIgnoreCase)) with
                | Some w -> Error(ConfigError.at src (sprintf "%s must be %s, got '%s'; did you mean '%s'?" key (kindName leaf.Kind) text w))
                | None -> typeError ()
            | _ -> typeError ()
        match typed with
        | Error e -> Error e
        | Ok false -> Ok()
        | Ok true ->
            match leaf.Rule value with
            | None -> Ok()
            | Some reason -> Error(ConfigError.at src (sprintf "%s = %s %s" key text reason))
    | other -> Error(ConfigError.at (sourceOf other) (sprintf "%s must be %s, got a %s" key (kindName leaf.Kind) (match other with Seq _ -> "list" | _ -> "mapping")))

let rec private firstError (checks: (unit -> Result<unit, ConfigError>) list) =
    match checks with
    | [] -> Ok()
    | c :: rest ->
        match c () with
        | Ok() -> firstError rest
        | Error e -> Error e

/// Checks a mapping against a list of fields. `allKeys` feeds the did-you-mean.
let rec checkSection (allKeys: string list) (prefix: string) (fields: Field list) (node: Node) : Result<unit, ConfigError> =
    let dotted name = if prefix = "" then name else prefix + "." + name
    match node with
    | Map(entries, src) ->
        let unknown () =
            match entries |> List.tryFind (fun e -> fields |> List.forall (fun f -> f.Name <> e.Key)) with
            | Some e ->
                let key = dotted e.Key
                let hint = DidYouMean.hint allKeys key
                Error(ConfigError.at e.KeySource (sprintf "unknown key '%s'%s" key hint))
            | None -> Ok()
        let values () =
            entries
            |> List.map (fun e -> fun () -> checkSpec allKeys (dotted e.Key) (fields |> List.find (fun f -> f.Name = e.Key)).Spec e.Value)
            |> firstError
        let missing () =
            match fields |> List.tryFind (fun f -> not f.Optional && entries |> List.forall (fun e -> e.Key <> f.Name)) with
            | Some f ->
                Error(
                    ConfigError.withHint src (sprintf "missing key '%s'" (dotted f.Name))
                        (sprintf "set it in the file (or its _base_), or add +%s=VALUE" (dotted f.Name))
                )
            | None -> Ok()
        firstError [ unknown; values; missing ]
    | other ->
        Error(ConfigError.at (sourceOf other) (sprintf "%s must be a mapping of keys, got %s" (if prefix = "" then "the config" else prefix) (YamlWriter.flow other)))

/// Checks one value against its spec.
and checkSpec (allKeys: string list) (key: string) (spec: Spec) (node: Node) : Result<unit, ConfigError> =
    match spec, node with
    | Value leaf, _ -> checkLeaf key leaf node
    | ListOf(leaf, lengthRule), Seq(items, src) ->
        match lengthRule items.Length with
        | Some reason -> Error(ConfigError.at src (sprintf "%s = %s %s" key (YamlWriter.flow node) reason))
        | None -> items |> List.mapi (fun i item -> fun () -> checkLeaf (sprintf "%s[%d]" key i) leaf item) |> firstError
    | ListOf _, other -> Error(ConfigError.at (sourceOf other) (sprintf "%s must be a list like [1, 2], got %s" key (YamlWriter.flow other)))
    | Section fields, _ -> checkSection allKeys key fields node
    | Variant(tag, cases), Map(entries, src) ->
        match entries |> List.tryFind (fun e -> e.Key = tag) with
        | None -> Error(ConfigError.withHint src (sprintf "missing key '%s.%s'" key tag) (sprintf "one of: %s" (String.Join(", ", List.map fst cases))))
        | Some e ->
            let text = match e.Value with Scalar(t, _, _) -> t | other -> YamlWriter.flow other
            match cases |> List.tryFind (fun (name, _) -> name = text) with
            | None ->
                let hint =
                    match cases |> List.tryFind (fun (name, _) -> String.Equals(name, text, StringComparison.OrdinalIgnoreCase)) with
                    | Some(name, _) -> sprintf "; did you mean '%s'?" name
                    | None -> ""
                Error(ConfigError.at (sourceOf e.Value) (sprintf "%s.%s must be one of %s, got '%s'%s" key tag (String.Join(", ", List.map fst cases)) text hint))
            | Some(_, fields) ->
                // A key that only other kinds take: say so, instead of a did-you-mean pointing at another section.
                let ofOtherKinds (entry: Entry) =
                    if fields |> List.exists (fun f -> f.Name = entry.Key) then None
                    else
                        match cases |> List.filter (fun (_, fs) -> fs |> List.exists (fun f -> f.Name = entry.Key)) |> List.map fst with
                        | [] -> None
                        | kinds -> Some(entry, kinds)
                match entries |> List.tryPick ofOtherKinds with
                | Some(entry, kinds) ->
                    let only =
                        match kinds with
                        | [ one ] -> sprintf "only %s %s takes '%s'" tag one entry.Key
                        | many -> sprintf "only %ss %s take '%s'" tag (String.Join(", ", many)) entry.Key
                    // A generated kind keeps its settings in a section of its own name next to this one (data.synthetic_crowd.box).
                    let settings =
                        let parent = match key.LastIndexOf '.' with -1 -> "" | i -> key.Substring(0, i + 1)
                        let candidate = sprintf "%s%s.%s" parent text entry.Key
                        if List.contains candidate allKeys then sprintf "; did you mean '%s'?" candidate else ""
                    Error(ConfigError.withHint entry.KeySource (sprintf "unknown key '%s.%s' for %s.%s = %s" key entry.Key key tag text) (only + settings))
                | None -> checkSection allKeys key fields node
    | Variant _, other -> Error(ConfigError.at (sourceOf other) (sprintf "%s must be a mapping, got %s" key (YamlWriter.flow other)))
