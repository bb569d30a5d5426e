/// Opt-in, pending (ignored) unless RESEARCH_SLURM_TESTS=1 with a running Slurm (tests/Experiments.Tests/slurm/local-slurm.sh start):
/// a 3-child sweep's emitted script submitted to the real sbatch, with a `dotnet fsi` stand-in that logs
/// the command lines, checks that every array task ran its child and the collector ran after them.
module Research.Experiments.Tests.SlurmIntegrationTests

open System
open System.IO
open System.Text.RegularExpressions
open Expecto
open Research.Experiments
open Research.Experiments.Tests.TestFiles
open Research.Experiments.Tests.SlurmEmitterTests

let private enabled = Environment.GetEnvironmentVariable "RESEARCH_SLURM_TESTS" = "1"

let private waitForJobs (dir: string) (jobs: string list) =
    let deadline = DateTime.UtcNow.AddMinutes 3.0
    let rec loop () =
        let _, out, _ = runBash dir [ "-c"; "squeue -h -j " + String.Join(",", jobs) ] []
        if out.Trim() = "" then ()
        elif DateTime.UtcNow > deadline then failtestf "Slurm jobs %A still queued after 3 minutes: %s" jobs out
        else
            Threading.Thread.Sleep 500
            loop ()
    loop ()

[<Tests>]
let tests =
    testList
        "SlurmIntegration"
        [ (if enabled then test else ptest) "a 3-child sweep runs through the real sbatch" {
              let plan = valueOf (Sweep.expandIn repoRoot quickstart [ "model.poto.alpha=0.2,0.5,0.8"; "solver.max_iter=100" ])
              withFiles [ "fakefsi", fakeFsi ] (fun dir ->
                  let log = Path.Combine(dir, "log.txt")
                  File.SetUnixFileMode(Path.Combine(dir, "fakefsi"), UnixFileMode.UserRead ||| UnixFileMode.UserWrite ||| UnixFileMode.UserExecute)
                  let options = { SlurmEmitter.defaults dir (Path.Combine(dir, "mlruns")) with Fsi = Path.Combine(dir, "fakefsi"); CpusPerTask = 1; LogDir = "logs" }
                  File.WriteAllText(Path.Combine(dir, "submit.sh"), SlurmEmitter.emit options plan plan.Children)
                  let code, out, err = runBash dir [ "submit.sh" ] [ "FAKE_LOG", log ]
                  Expect.equal code 0 (sprintf "submit.sh failed: %s" err)
                  let m = Regex.Match(out, @"array job (\d+) \(3 tasks\), collector job (\d+)")
                  Expect.isTrue m.Success (sprintf "summary line in %s" out)
                  waitForJobs dir [ m.Groups[1].Value; m.Groups[2].Value ]
                  let lines = File.ReadAllLines log |> List.ofArray
                  let tracking = "tracking.uri=" + Path.Combine(dir, "mlruns")
                  let runs = lines |> List.filter (fun l -> l.StartsWith "fsi scripts/run.fsx")
                  let expected =
                      plan.Children
                      |> List.map (fun c -> "fsi scripts/run.fsx|" + String.Join("|", plan.ConfigPath :: c.Overrides @ [ tracking; "--parent-run-id"; "parent123"; "--run-name"; c.Name ]))
                  Expect.equal (List.sort runs) (List.sort expected) "every child ran once with its command line"
                  let collect = lines |> List.findIndex (fun l -> l.Contains "--collect")
                  let lastRun = lines |> List.findIndexBack (fun l -> l.StartsWith "fsi scripts/run.fsx")
                  Expect.isGreaterThan collect lastRun "the collector ran after every task"
                  let outputs = Directory.GetFiles(Path.Combine(dir, "logs")) |> Array.map Path.GetFileName |> Array.sort
                  Expect.equal outputs.Length 4 (sprintf "one Slurm output per task and the collector: %A" outputs))
          } ]
