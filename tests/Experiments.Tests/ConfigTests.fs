module Research.Experiments.Tests.ConfigTests

open Expecto
open Research.Experiments.Config

[<Tests>]
let tests =
    testList "Config" [
        test "device names parse" {
            Expect.equal (parseDevice "auto") (Ok Auto) "auto"
            Expect.equal (parseDevice " CPU ") (Ok Cpu) "cpu, any case"
            Expect.equal (parseDevice "cuda") (Ok Cuda) "cuda"
        }
        test "unknown device is refused with its value" {
            match parseDevice "tpu" with
            | Error msg -> Expect.stringContains msg "'tpu'" "message names the value"
            | Ok v -> failtestf "expected an error, got %A" v
        }
    ]
