module Research.Experiments.Tests.Main

open Expecto

[<EntryPoint>]
let main argv =
    // Discover every [<Tests>] value in this assembly; no colours so CI logs stay readable.
    runTestsInAssemblyWithCLIArgs [ CLIArguments.Colours 0 ] argv
