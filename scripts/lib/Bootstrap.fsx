/// Shared start-up of every script: make sure the compiled library is built and current (building it
/// when a source file is newer than the library, saying so), then call the library's command-line entry
/// point `Research.Experiments.Cli.main` for one command. Scripts stay thin: the logic lives where the
/// tests reach it.
module Bootstrap

open System
open System.Diagnostics
open System.IO
open System.Reflection

let repoRoot = Path.GetFullPath(Path.Combine(__SOURCE_DIRECTORY__, "..", ".."))
let private binDir = Path.Combine(repoRoot, "src", "Experiments", "bin", "Release", "net10.0")
let private libraryDll = Path.Combine(binDir, "Research.Experiments.dll")

let private sourcesNewerThan (stamp: DateTime) =
    let roots = [ Path.Combine(repoRoot, "src") ]
    let inputs =
        seq {
            for root in roots do
                if Directory.Exists root then
                    for f in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories) do
                        let rel = Path.GetRelativePath(root, f).Replace('\\', '/')
                        let ext = Path.GetExtension f
                        if not (rel.Contains "/bin/" || rel.Contains "/obj/")
                           && (ext = ".cs" || ext = ".fs" || ext = ".csproj" || ext = ".fsproj") then
                            yield f
            for f in [ "Directory.Build.props"; "Directory.Build.targets"; "Directory.Packages.props" ] do
                let p = Path.Combine(repoRoot, f)
                if File.Exists p then yield p
        }
    inputs |> Seq.tryFind (fun f -> File.GetLastWriteTimeUtc f > stamp)

/// Builds src/Experiments (and Research.Core) in Release when the library is missing or older than a source.
let ensureBuilt () =
    let reason =
        if not (File.Exists libraryDll) then Some "the library is not built yet"
        else
            sourcesNewerThan (File.GetLastWriteTimeUtc libraryDll)
            |> Option.map (fun f -> sprintf "%s changed since the last build" (Path.GetRelativePath(repoRoot, f)))
    match reason with
    | None -> ()
    | Some why ->
        eprintfn "Building Research (%s); the first build restores packages and takes a minute..." why
        let psi = ProcessStartInfo("dotnet", [ "build"; Path.Combine(repoRoot, "src", "Experiments", "Experiments.fsproj"); "-c"; "Release"; "-nologo"; "-v"; "q" ])
        psi.RedirectStandardOutput <- true
        psi.RedirectStandardError <- true
        use p = Process.Start psi
        let out = p.StandardOutput.ReadToEndAsync()
        let err = p.StandardError.ReadToEndAsync()
        p.WaitForExit()
        if p.ExitCode <> 0 then
            eprintfn "%s%s" out.Result err.Result
            eprintfn "error: building the library failed (exit %d); see the messages above." p.ExitCode
            exit 1
        // A no-op build does not touch the dll: mark it current so the next start skips the check's build.
        File.SetLastWriteTimeUtc(libraryDll, DateTime.UtcNow)

/// Runs one command of the library's command line (`run`, `sweep`, `compare`, ...) and exits with its code.
let invoke (command: string) (args: string[]) : unit =
    ensureBuilt ()
    let asm = Assembly.LoadFrom libraryDll
    let cli = asm.GetType("Research.Experiments.Cli", throwOnError = true)
    let main = cli.GetMethod("main", BindingFlags.Public ||| BindingFlags.Static)
    let code =
        try main.Invoke(null, [| box (Array.append [| command |] args) |]) :?> int
        with :? TargetInvocationException as e when not (isNull e.InnerException) ->
            eprintfn "error: %s" e.InnerException.Message
            1
    exit code
