/// Prints a YAML tree as text that YamlTree reads back to the same values (the `--print-config` output).
module Research.Experiments.YamlWriter

open System
open System.Text
open Research.Experiments.YamlTree

let private safePlain = Text.RegularExpressions.Regex(@"^[A-Za-z0-9_./+\-~][A-Za-z0-9_./+\-~ ()@=]*$")

let private yaml11Booleans = set [ "y"; "n"; "yes"; "no"; "on"; "off" ]

/// A string in YAML double quotes, escaping backslash, quote and control characters.
let quote (s: string) : string =
    let sb = StringBuilder("\"")
    for c in s do
        match c with
        | '"' -> sb.Append("\\\"") |> ignore
        | '\\' -> sb.Append("\\\\") |> ignore
        | '\n' -> sb.Append("\\n") |> ignore
        | '\r' -> sb.Append("\\r") |> ignore
        | '\t' -> sb.Append("\\t") |> ignore
        | c when Char.IsControl c -> sb.AppendFormat("\\u{0:x4}", int c) |> ignore
        | c -> sb.Append(c) |> ignore
    sb.Append('"').ToString()

/// The text of a scalar that reads back as the same value: plain when that is unambiguous, else quoted.
let scalarText (text: string) (quoted: bool) : string =
    match interpret text quoted with
    // YAML 1.1 readers (PyYAML, so MLflow tooling) take yes/no/on/off as booleans: quote them.
    | VString s when yaml11Booleans.Contains(s.ToLowerInvariant()) -> quote s
    | VString s when safePlain.IsMatch s && not (s.EndsWith " ") && interpret s false = VString s -> s
    | VString s -> quote s
    | VNull -> "null"
    | value when not quoted -> if interpret text false = value && safePlain.IsMatch text then text else canonical value
    | value -> canonical value

let private keyText (key: string) =
    if safePlain.IsMatch key && not (key.Contains ' ') then key else quote key

/// A node in flow style: `[1, 2]`, `{a: 1}`, or a scalar.
let rec flow (node: Node) : string =
    match node with
    | Scalar(t, q, _) -> scalarText t q
    | Seq(items, _) -> "[" + String.Join(", ", items |> List.map flow) + "]"
    | Map(entries, _) ->
        "{" + String.Join(", ", entries |> List.map (fun e -> keyText e.Key + ": " + flow e.Value)) + "}"

let rec private block (sb: StringBuilder) (indent: int) (entries: Entry list) =
    let pad = String(' ', indent)
    for e in entries do
        match e.Value with
        | Map(children, _) when not children.IsEmpty ->
            sb.Append(pad).Append(keyText e.Key).Append(":\n") |> ignore
            block sb (indent + 2) children
        | value -> sb.Append(pad).Append(keyText e.Key).Append(": ").Append(flow value).Append('\n') |> ignore

/// The whole tree as block-style YAML (mappings indented by two spaces, sequences in flow style).
let toText (root: Node) : string =
    match root with
    | Map(entries, _) ->
        let sb = StringBuilder()
        block sb 0 entries
        sb.ToString()
    | other -> flow other + "\n"
