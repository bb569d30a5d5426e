/// Opt-in, pending (ignored) unless RESEARCH_SLURM_TESTS=1 with a running Slurm (tests/Experiments.Tests/slurm/local-slurm.sh start;
/// .ci/run starts one when it can): a 3-child sweep's emitted script submitted to the real sbatch, with a
/// `dotnet fsi` stand-in that logs the command lines, checks that every array task ran its child and the
/// collector ran after them; and a real training task requeued mid-run with `scontrol requeue`, which must
/// resume into the same MLflow run and finish it.
module Research.Experiments.Tests.SlurmIntegrationTests

open System
open System.IO
open System.Text.RegularExpressions
open Expecto
open Research.Core.Mlflow
open Research.Experiments
open Research.Experiments.Tests.TestFiles
open Research.Experiments.Tests.SlurmEmitterTests

let private enabled = Environment.GetEnvironmentVariable "RESEARCH_SLURM_TESTS" = "1"

let private waitForJobs (dir: string) (jobs: string list) =
    let deadline = DateTime.UtcNow.AddMinutes 8.0
    let rec loop () =
        let _, out, _ = runBash dir [ "-c"; "squeue -h -j " + String.Join(",", jobs) ] []
        if out.Trim() = "" then ()
        elif DateTime.UtcNow > deadline then failtestf "Slurm jobs %A still queued after 8 minutes: %s" jobs out
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
          } 
          (if enabled then test else ptest) "training tasks requeued mid-run (scontrol requeue; the early SIGUSR1) resume into the same MLflow run and finish it" {
              withTempDir "research-slurm-requeue" (fun dir ->
                  let out = Path.Combine(dir, "out")
                  let plan =
                      valueOf (
                          Sweep.expandIn repoRoot (experiment "quickstart_ci.yaml")
                              [ "model.poto.alpha=0.6,0.8"; "solver.max_iter=300"; "solver.checkpoint_period=50"; "eval.period=0"
                                "eval.vis_images=0"; "threads=1"; "name=slurm_requeue"; "output.dir=" + out ])
                  let logs = Path.Combine(dir, "logs")
                  let options = { SlurmEmitter.defaults repoRoot (Path.Combine(dir, "mlruns")) with CpusPerTask = 1; LogDir = logs; MaxParallel = Some 1 }
                  File.WriteAllText(Path.Combine(dir, "submit.sh"), SlurmEmitter.emit options plan plan.Children)
                  let code, stdout, err = runBash repoRoot [ Path.Combine(dir, "submit.sh") ] [ "MLFLOW_TRACKING_URI", "" ]
                  Expect.equal code 0 (sprintf "submit.sh failed: %s" err)
                  let m = Regex.Match(stdout, @"array job (\d+) \(2 tasks\), collector job (\d+)")
                  Expect.isTrue m.Success (sprintf "summary line in %s" stdout)
                  let array, collector = m.Groups[1].Value, m.Groups[2].Value
                  let taskLog (task: int) = Path.Combine(logs, sprintf "slurm_requeue_%s_%d.out" array task)
                  let text task = if File.Exists(taskLog task) then File.ReadAllText(taskLog task) else ""
                  let waitIteration60 task =
                      let deadline = DateTime.UtcNow.AddMinutes 4.0
                      while not (Regex.IsMatch(text task, @"(?m)^iter (6\d|[7-9]\d|1\d\d)/300")) do
                          if DateTime.UtcNow > deadline then failtestf "task %d never reached iteration 60:\n%s" task (text task)
                          Threading.Thread.Sleep 250
                  let bash (command: string) =
                      let rc, _, rerr = runBash repoRoot [ "-c"; command ] []
                      Expect.equal rc 0 (sprintf "%s: %s" command rerr)
                  // Task 0: an administrator's (or the scheduler's) requeue: SIGTERM, then the task runs again.
                  waitIteration60 0
                  bash (sprintf "scontrol requeue %s_0" array)
                  // Task 1: the early signal before the time limit (--signal=B:USR1), sent now: the task stops and requeues itself.
                  waitIteration60 1
                  bash (sprintf "scancel --batch --signal=USR1 %s_1" array)
                  waitForJobs dir [ array; collector ]
                  let log0, log1 = text 0, text 1
                  Expect.stringContains log0 "DUE TO JOB REQUEUE" "Slurm requeued task 0"
                  Expect.stringContains log0 "SIGTERM: stopping after this iteration" "task 0's training got SIGTERM"
                  Expect.stringContains log0 "(requeued Slurm job); continuing it" "requeued task 0 resumes by itself"
                  Expect.stringContains log1 "SIGUSR1: stopping after this iteration" "task 1's training got the forwarded SIGUSR1"
                  Expect.stringContains log1 "(requeued Slurm job); continuing it" "task 1 requeued itself and resumed"
                  use store = new FileStore(Path.Combine(dir, "mlruns"))
                  let experimentId =
                      match store.GetExperimentByName "quickstart_ci" with
                      | null -> failtest "no experiment quickstart_ci in the store"
                      | e -> e.ExperimentId
                  let runs = store.SearchRuns([| experimentId |]) |> List.ofSeq
                  let children = runs |> List.filter (fun r -> r.ParentRunId <> null)
                  Expect.equal (children |> List.map (fun r -> r.Name) |> List.sort) [ "slurm_requeue[alpha=0.6]"; "slurm_requeue[alpha=0.8]" ] "one run per child, none duplicated by the requeue"
                  for r in runs do
                      Expect.equal r.Info.Status RunStatus.Finished (sprintf "run %s FINISHED" r.Name)
                  for r in children do
                      let steps = store.GetMetricHistory(r.Info.RunId, "total_loss") |> Seq.map (fun p -> p.Step) |> List.ofSeq
                      Expect.equal steps [ 1L .. 300L ] (sprintf "%s: one continuous curve across the requeue" r.Name)
                      Expect.isTrue (r.Metrics.ContainsKey "bbox/AP50") "evaluated at the end")
          } ]
