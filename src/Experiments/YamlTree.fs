/// A YAML document as a small tree that remembers where every key and value came from, read with
/// YamlDotNet's event parser (so duplicate keys, aliases and tabs can be refused with their line).
module Research.Experiments.YamlTree

open System
open System.IO
open YamlDotNet.Core
open YamlDotNet.Core.Events

/// A YAML node. Scalars keep their text and whether they were quoted (a quoted scalar is always a string).
type Node =
    | Scalar of text: string * quoted: bool * source: Source
    | Seq of items: Node list * source: Source
    | Map of entries: Entry list * source: Source

/// One `key: value` pair of a mapping, in file order.
and Entry = { Key: string; KeySource: Source; Value: Node }

/// Where a node came from.
let sourceOf (node: Node) : Source =
    match node with
    | Scalar(_, _, s)
    | Seq(_, s)
    | Map(_, s) -> s

/// The interpreted value of a scalar under the YAML 1.2 core schema.
type ScalarValue =
    | VNull
    | VBool of bool
    | VInt of int64
    | VFloat of float
    | VString of string

let private intPattern = Text.RegularExpressions.Regex(@"^[-+]?[0-9]+$")
let private floatPattern =
    Text.RegularExpressions.Regex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")

/// Interprets a scalar: quoted → string; plain `null`/`~`/empty → null, `true`/`false`, integers, floats.
let interpret (text: string) (quoted: bool) : ScalarValue =
    if quoted then
        VString text
    else
        match text with
        | ""
        | "~"
        | "null"
        | "Null"
        | "NULL" -> VNull
        | "true"
        | "True"
        | "TRUE" -> VBool true
        | "false"
        | "False"
        | "FALSE" -> VBool false
        | ".inf"
        | "+.inf" -> VFloat Double.PositiveInfinity
        | "-.inf" -> VFloat Double.NegativeInfinity
        | ".nan" -> VFloat Double.NaN
        | t when intPattern.IsMatch t ->
            match Int64.TryParse(t, Globalization.NumberStyles.AllowLeadingSign, Globalization.CultureInfo.InvariantCulture) with
            | true, v -> VInt v
            | _ -> VString t
        | t when floatPattern.IsMatch t ->
            VFloat(Double.Parse(t, Globalization.CultureInfo.InvariantCulture))
        | t -> VString t

/// The canonical text of a scalar value (numbers in invariant round-trip form): used for flattening and
/// signatures so `1e-4` and `0.0001` compare equal.
let canonical (value: ScalarValue) : string =
    match value with
    | VNull -> "null"
    | VBool b -> if b then "true" else "false"
    | VInt i -> string i
    | VFloat f when Double.IsPositiveInfinity f -> ".inf"
    | VFloat f when Double.IsNegativeInfinity f -> "-.inf"
    | VFloat f when Double.IsNaN f -> ".nan"
    | VFloat f ->
        let s = f.ToString("R", Globalization.CultureInfo.InvariantCulture)
        // Keep a float recognisable as a float when printed back (1.0, not 1).
        if s.Contains '.' || s.Contains 'E' || s.Contains 'e' then s.Replace("E", "e") else s + ".0"
    | VString s -> s

/// Reading a document. Every failure is a ConfigError naming the file and line.
module private Reader =
    /// Deeper nesting is refused (and recursion stays far from the stack limit).
    [<Literal>]
    let MaxDepth = 32

    let current (parser: IParser) : ParsingEvent =
        match parser.Current with
        | null -> raise (YamlException "unexpected end of the YAML text")
        | ev -> ev

    let mark (path: string) (m: Mark) = InFile(path, int m.Line, int m.Column)

    let rec readNode (path: string) (depth: int) (parser: IParser) : Result<Node, ConfigError> =
        let ev = current parser
        let here = mark path ev.Start
        match ev with
        | _ when depth > MaxDepth ->
            Error(ConfigError.withHint here (sprintf "values nested deeper than %d levels" MaxDepth) "a config is a few levels of sections; this looks like a generated or corrupted file")
        | :? AnchorAlias as alias ->
            Error(
                ConfigError.withHint here
                    (sprintf "YAML alias '*%s' is not allowed in config files" alias.Value.Value)
                    "aliases can expand a small file into billions of values; write the values out instead"
            )
        | :? NodeEvent as n when not n.Anchor.IsEmpty ->
            Error(
                ConfigError.withHint here
                    (sprintf "YAML anchor '&%s' is not allowed in config files" n.Anchor.Value)
                    "anchors and aliases can expand a small file into billions of values; use _base_ inheritance instead"
            )
        | :? YamlDotNet.Core.Events.Scalar as s ->
            parser.MoveNext() |> ignore
            let quoted = s.Style <> ScalarStyle.Plain
            Ok(Scalar(s.Value, quoted, here))
        | :? SequenceStart ->
            parser.MoveNext() |> ignore
            let rec items acc =
                match current parser with
                | :? SequenceEnd ->
                    parser.MoveNext() |> ignore
                    Ok(List.rev acc)
                | _ ->
                    match readNode path (depth + 1) parser with
                    | Ok item -> items (item :: acc)
                    | Error e -> Error e
            items [] |> Result.map (fun xs -> Seq(xs, here))
        | :? MappingStart ->
            parser.MoveNext() |> ignore
            let rec entries (acc: Entry list) =
                match current parser with
                | :? MappingEnd ->
                    parser.MoveNext() |> ignore
                    Ok(List.rev acc)
                | :? YamlDotNet.Core.Events.Scalar as k ->
                    let keySource = mark path k.Start
                    if not k.Anchor.IsEmpty then
                        Error(ConfigError.at keySource (sprintf "YAML anchor '&%s' is not allowed in config files" k.Anchor.Value))
                    else
                        match acc |> List.tryFind (fun e -> e.Key = k.Value) with
                        | Some first ->
                            Error(
                                ConfigError.withHint keySource (sprintf "duplicate key '%s'" k.Value)
                                    (sprintf "it is already set at %s; keep one" first.KeySource.Describe)
                            )
                        | None ->
                            parser.MoveNext() |> ignore
                            match readNode path (depth + 1) parser with
                            | Ok value -> entries ({ Key = k.Value; KeySource = keySource; Value = value } :: acc)
                            | Error e -> Error e
                | other ->
                    match other with
                    | :? AnchorAlias as alias ->
                        Error(ConfigError.at (mark path other.Start) (sprintf "YAML alias '*%s' is not allowed in config files" alias.Value.Value))
                    | _ -> Error(ConfigError.at (mark path other.Start) "mapping keys must be plain names")
            entries [] |> Result.map (fun es -> Map(es, here))
        | other -> Error(ConfigError.at here (sprintf "unexpected YAML event %s" (other.GetType().Name)))

    /// Tabs are not YAML indentation; refuse any tab outside quotes with its line, before the parser sees it.
    let checkTabs (path: string) (text: string) : Result<unit, ConfigError> =
        let lines = text.Split('\n')
        match lines |> Array.tryFindIndex (fun l -> l.Contains '\t') with
        | Some i ->
            let col = lines[i].IndexOf '\t' + 1
            Error(
                ConfigError.withHint (InFile(path, i + 1, col)) "tab character in a config file"
                    "YAML does not allow tabs for indentation; use spaces"
            )
        | None -> Ok()

    let parse (path: string) (text: string) : Result<Node, ConfigError> =
        match checkTabs path text with
        | Error e -> Error e
        | Ok() ->
            let parser = Parser(new StringReader(text))
            try
                parser.Consume<StreamStart>() |> ignore
                match current parser with
                | :? StreamEnd -> Error(ConfigError.inFile path "the config file is empty")
                | _ ->
                    parser.Consume<DocumentStart>() |> ignore
                    match readNode path 0 parser with
                    | Error e -> Error e
                    | Ok root ->
                        parser.Consume<DocumentEnd>() |> ignore
                        match current parser with
                        | :? StreamEnd ->
                            match root with
                            | Map _ -> Ok root
                            | Scalar(t, false, _) when interpret t false = VNull ->
                                Error(ConfigError.inFile path "the config file is empty")
                            | other ->
                                Error(ConfigError.at (sourceOf other) "the top level of a config file must be a mapping of keys")
                        | ev -> Error(ConfigError.at (mark path ev.Start) "a config file must hold exactly one YAML document")
            with
            | :? YamlException as ex ->
                let msg = ex.Message
                // YamlDotNet prefixes "(Line: a, Col: b, Idx: c) - (…): "; keep the reason only.
                let reason = match msg.LastIndexOf "): " with | -1 -> msg | i -> msg.Substring(i + 3)
                Error(ConfigError.at (mark path ex.Start) (sprintf "invalid YAML: %s" reason))
            | :? InvalidOperationException ->
                // The scanner gives up without a position on some unclosed flow collections.
                let where = match parser.Current with | null -> InFile(path, 0, 0) | ev -> mark path ev.End
                Error(ConfigError.withHint where "invalid YAML after this point" "check for an unclosed [ or { or quote")

/// Parses YAML text (the path is only used in messages).
let parseText (path: string) (text: string) : Result<Node, ConfigError> = Reader.parse path text

/// The largest config file read (1 MiB): anything bigger is not a hand-written config.
[<Literal>]
let MaxFileBytes = 1048576L

/// Reads and parses a YAML file.
let parseFile (path: string) : Result<Node, ConfigError> =
    if not (File.Exists path) then
        Error(ConfigError.inFile path "config file not found")
    elif FileInfo(path).Length > MaxFileBytes then
        Error(
            ConfigError.withHint (InFile(path, 0, 0)) (sprintf "the config file is %d bytes, more than %d" (FileInfo(path).Length) MaxFileBytes)
                "configs are small text files; is this the right file?"
        )
    else
        try
            Reader.parse path (File.ReadAllText path)
        with
        | :? IOException as ex -> Error(ConfigError.inFile path (sprintf "cannot read the file: %s" ex.Message))
        | :? UnauthorizedAccessException as ex -> Error(ConfigError.inFile path (sprintf "cannot read the file: %s" ex.Message))

/// The value at a dotted path, if every step is a mapping that holds the key.
let rec tryFind (path: string list) (node: Node) : Node option =
    match path, node with
    | [], n -> Some n
    | key :: rest, Map(entries, _) ->
        entries |> List.tryFind (fun e -> e.Key = key) |> Option.bind (fun e -> tryFind rest e.Value)
    | _ -> None

/// The entry at a dotted path (to get the key's own source).
let rec tryFindEntry (path: string list) (node: Node) : Entry option =
    match path, node with
    | [ key ], Map(entries, _) -> entries |> List.tryFind (fun e -> e.Key = key)
    | key :: rest, Map(entries, _) ->
        entries |> List.tryFind (fun e -> e.Key = key) |> Option.bind (fun e -> tryFindEntry rest e.Value)
    | _ -> None

/// Structural equality ignoring sources (and quoting of strings that read back the same).
let rec sameValue (a: Node) (b: Node) : bool =
    match a, b with
    | Scalar(ta, qa, _), Scalar(tb, qb, _) -> interpret ta qa = interpret tb qb
    | Seq(xs, _), Seq(ys, _) -> List.length xs = List.length ys && List.forall2 sameValue xs ys
    | Map(xs, _), Map(ys, _) ->
        List.length xs = List.length ys
        && List.forall2 (fun (x: Entry) (y: Entry) -> x.Key = y.Key && sameValue x.Value y.Value) xs ys
    | _ -> false
