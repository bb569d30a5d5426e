module Research.Experiments.Tests.Main

open Expecto

[<EntryPoint>]
let main argv =
    // `--child-run COMMAND ARGS...`: run a command as scripts/*.fsx would, in a child process a test
    // signals or kills (TrainingFaultTests).
    if argv.Length > 0 && argv[0] = "--child-run" then Research.Experiments.Cli.main argv[1..] else
    // Discover every [<Tests>] value in this assembly; no colours so CI logs stay readable.
    runTestsInAssemblyWithCLIArgs [ CLIArguments.Colours 0 ] argv
