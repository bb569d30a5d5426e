/// Shared helpers: the repository's experiments folder and throw-away folders of YAML files.
module Research.Experiments.Tests.TestFiles

open System
open System.IO
open Expecto
open Research.Experiments

/// The repository root (the folder holding Research.sln), found from the test binary upwards.
let repoRoot : string =
    let rec up (dir: DirectoryInfo | null) =
        match dir with
        | null -> failwith "Research.sln not found above the test binary"
        | d when File.Exists(Path.Combine(d.FullName, "Research.sln")) -> d.FullName
        | d -> up d.Parent
    up (DirectoryInfo AppContext.BaseDirectory)

/// A shipped experiment file.
let experiment (relative: string) = Path.Combine(repoRoot, "experiments", relative)

/// The quickstart file (a complete, valid base for small test files).
let quickstart = experiment "quickstart.yaml"

/// Writes files into a new temporary folder and runs `f` on it; the folder is removed afterwards.
let withFiles (files: (string * string) list) (f: string -> 'a) : 'a =
    let dir = Path.Combine(Path.GetTempPath(), "research-config-tests", Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory dir |> ignore
    try
        for name, text in files do
            let path = Path.Combine(dir, name)
            match Path.GetDirectoryName path with
            | null -> ()
            | d -> Directory.CreateDirectory d |> ignore
            File.WriteAllText(path, text)
        f dir
    finally
        Directory.Delete(dir, true)

/// Runs `f` on a new empty temporary folder under `<temp>/<area>/`, removed afterwards (best effort).
let withTempDir (area: string) (f: string -> unit) =
    let dir = Path.Combine(Path.GetTempPath(), area, Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory dir |> ignore
    try f dir finally (try Directory.Delete(dir, true) with _ -> ())

/// The error of a result that must have failed.
let errorOf (result: Result<'a, ConfigError>) : ConfigError =
    match result with
    | Error e -> e
    | Ok v -> failtestf "expected a config error, got %A" v

/// The value of a result that must have succeeded.
let valueOf (result: Result<'a, ConfigError>) : 'a =
    match result with
    | Ok v -> v
    | Error e -> failtestf "expected success, got: %s" e.Text

/// A YAML line `_base_: <absolute quickstart path>`.
let baseQuickstart = sprintf "_base_: %s\n" quickstart

/// Runs `f` with stdout and stderr captured: (its result, stdout, stderr).
let capturing (f: unit -> 'a) =
    let out, err = Console.Out, Console.Error
    use o = new StringWriter()
    use e = new StringWriter()
    Console.SetOut o
    Console.SetError e
    try
        let result = f ()
        result, o.ToString(), e.ToString()
    finally
        Console.SetOut out
        Console.SetError err
