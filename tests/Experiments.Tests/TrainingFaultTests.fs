/// Faults a cluster or a user causes to a real training process (this test binary started as a child with
/// `--child-run run …`, the same code path as `run.fsx`): SIGTERM, SIGINT and SIGUSR1 mid-run, a signal
/// delivered twice at once (GNU timeout), a second signal during the checkpoint save, kill -9, and the
/// resume into the same MLflow run afterwards; a full disk (a real small tmpfs) under the checkpoints and
/// under the tracking store. The store is read back with the file-store reader.
module Research.Experiments.Tests.TrainingFaultTests

open System
open System.Collections.Concurrent
open System.Diagnostics
open System.IO
open System.Runtime.InteropServices
open System.Text.RegularExpressions
open System.Threading
open Expecto
open Research.Core.Mlflow
open Research.Core.Training
open Research.Experiments.Tests.TestFiles

[<DllImport("libc", SetLastError = true)>]
extern int kill(int pid, int signal)

let private testBinary = Path.Combine(AppContext.BaseDirectory, "Research.Experiments.Tests.dll")

/// A training child process and the lines it wrote to stderr so far.
type private Child =
    { Process: Process
      Lines: ConcurrentQueue<string> }

    member c.Text = String.Join("\n", c.Lines)

/// The settings of every fault run: the CI quickstart (tiny data, the real model), log every iteration,
/// one thread, store and outputs in `dir`.
let private args (dir: string) (maxIter: int) (period: int) (extra: string list) =
    [ "--child-run"; "run"; experiment "quickstart_ci.yaml"
      sprintf "solver.max_iter=%d" maxIter
      sprintf "solver.checkpoint_period=%d" period
      "solver.checkpoint_keep=10"
      "eval.period=0"
      "eval.vis_images=0"
      "threads=1"
      sprintf "tracking.uri=%s" (Path.Combine(dir, "mlruns"))
      sprintf "output.dir=%s" (Path.Combine(dir, "out")) ]
    @ extra

/// True when coreutils env can reset a signal to its default disposition before it execs the command.
let private envResetsSignals =
    lazy
        (try
            match Process.Start(ProcessStartInfo("env", [ "--default-signal=INT"; "true" ], RedirectStandardError = true)) with
            | null -> false
            | p ->
                p.WaitForExit()
                p.ExitCode = 0
         with _ -> false)

let private start (argv: string list) (environment: (string * string) list) : Child =
    // A suite run with SIGINT ignored (a background job of a non-interactive shell) would pass that on and the
    // child would never see SIGINT: start it with the default disposition (env execs: the pid is the child's).
    let psi =
        if envResetsSignals.Force() then ProcessStartInfo("env", "--default-signal=INT" :: "dotnet" :: testBinary :: argv)
        else ProcessStartInfo("dotnet", testBinary :: argv)
    psi.RedirectStandardError <- true
    psi.RedirectStandardOutput <- true
    psi.UseShellExecute <- false
    psi.Environment["MLFLOW_TRACKING_URI"] <- ""
    for k, v in environment do psi.Environment[k] <- v
    let p =
        match Process.Start psi with
        | null -> failtest "could not start the child process"
        | p -> p
    let lines = ConcurrentQueue<string>()
    p.ErrorDataReceived.Add(fun e -> match e.Data with | null -> () | l -> lines.Enqueue l)
    p.OutputDataReceived.Add(fun e -> match e.Data with | null -> () | l -> lines.Enqueue l)
    p.BeginErrorReadLine()
    p.BeginOutputReadLine()
    { Process = p; Lines = lines }

let private iterationLine = Regex(@"^iter (\d+)/")

/// The last iteration the child reported.
let private lastIteration (c: Child) =
    c.Lines |> Seq.choose (fun l -> let m = iterationLine.Match l in if m.Success then Some(int m.Groups[1].Value) else None) |> Seq.fold max 0

let private waitUntil (what: string) (c: Child) (seconds: float) (ok: unit -> bool) =
    let clock = Stopwatch.StartNew()
    while not (ok ()) do
        if c.Process.HasExited then failtestf "the child exited (%d) before %s:\n%s" c.Process.ExitCode what c.Text
        if clock.Elapsed.TotalSeconds > seconds then
            (try c.Process.Kill true with _ -> ())
            failtestf "no %s within %.0f s:\n%s" what seconds c.Text
        Thread.Sleep 50

let private waitExit (c: Child) (seconds: float) =
    if not (c.Process.WaitForExit(int (seconds * 1000.0))) then
        (try c.Process.Kill true with _ -> ())
        failtestf "the child did not exit within %.0f s:\n%s" seconds c.Text
    c.Process.WaitForExit() // drains the output
    c.Process.ExitCode

let private signal (c: Child) (number: int) =
    if kill (c.Process.Id, number) <> 0 then failtestf "kill(%d, %d) failed" c.Process.Id number

/// The training runs of the store (one experiment: quickstart_ci).
let private runs (dir: string) =
    use store = new FileStore(Path.Combine(dir, "mlruns"))
    match store.GetExperimentByName "quickstart_ci" with
    | null -> []
    | e -> store.SearchRuns([| e.ExperimentId |]) |> List.ofSeq

let private history (dir: string) (runId: string) (key: string) =
    use store = new FileStore(Path.Combine(dir, "mlruns"))
    store.GetMetricHistory(runId, key) |> List.ofSeq

let private checkpoints (dir: string) =
    let folder = Path.Combine(dir, "out", "quickstart_ci", "checkpoints")
    if Directory.Exists folder then Directory.GetFiles(folder, "model_*.ckpt") |> Array.sort |> List.ofArray else []

let private stoppedAt (c: Child) =
    let m = Regex.Match(c.Text, @"stopped on request after (\d+) iterations")
    if not m.Success then failtestf "no stop message:\n%s" c.Text
    int m.Groups[1].Value

/// Signals the child once training has passed `after` iterations; checks exit code, checkpoint and store.
let private stopWith (dir: string) (number: int) (name: string) : Child * int =
    let child = start (args dir 2000 1000 []) []
    waitUntil "iteration 5" child 120.0 (fun () -> lastIteration child >= 5)
    signal child number
    let code = waitExit child 30.0
    Expect.equal code (128 + number) (sprintf "exit code after %s\n%s" name child.Text)
    let stop = stoppedAt child
    Expect.stringContains child.Text (sprintf "%s: stopping after this iteration" name) "the notice names the signal"
    let expected = Path.Combine(dir, "out", "quickstart_ci", "checkpoints", sprintf "model_%07d.ckpt" stop)
    Expect.equal (checkpoints dir) [ expected ] "one checkpoint, of the iteration it stopped at"
    Expect.isTrue (CheckpointFile.Verify expected).IsComplete "the stop checkpoint is complete"
    Expect.equal (CheckpointFile.ReadMetadata expected).Iteration (int64 stop) "its iteration"
    match runs dir with
    | [ r ] ->
        Expect.equal r.Info.Status RunStatus.Killed "the run ended KILLED"
        Expect.isTrue r.Info.EndTime.HasValue "with an end time"
        let steps = history dir r.Info.RunId "total_loss" |> List.map (fun p -> p.Step)
        Expect.equal steps [ 1L .. int64 (List.last steps) ] "every iteration logged once, in order"
        Expect.isLessThanOrEqual (List.last steps) (int64 stop) "nothing logged past the stop"
    | other -> failtestf "expected one run, found %d" other.Length
    child, stop


/// Runs `f` on a fresh tmpfs of `size` (e.g. "40m") mounted in a temporary folder, unmounted afterwards;
/// false when this machine cannot mount one (not root, no CAP_SYS_ADMIN).
let private sh (args: string list) =
    let psi = ProcessStartInfo(List.head args, List.tail args, RedirectStandardError = true, RedirectStandardOutput = true)
    match Process.Start psi with
    | null -> -1
    | p ->
        p.WaitForExit()
        p.ExitCode

let private withTmpfs (size: string) (f: string -> unit) : bool =
    let dir = Path.Combine(Path.GetTempPath(), "research-tmpfs", Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory dir |> ignore
    if sh [ "mount"; "-t"; "tmpfs"; "-o"; "size=" + size; "tmpfs"; dir ] <> 0 then
        (try Directory.Delete dir with _ -> ())
        false
    else
        try f dir
        finally
            sh [ "umount"; "-l"; dir ] |> ignore
            (try Directory.Delete dir with _ -> ())
        true

let private canMount = lazy (withTmpfs "1m" ignore)

let private diskFullTest (name: string) (body: unit -> unit) =
    if canMount.Force() then test name { body () } else skiptest name

let private diskFullTests =
    testList
        "disk full"
        [ diskFullTest "checkpoints on a full disk: the error names the file, the previous checkpoint is intact, the run FAILED" (fun () ->
              withTempDir "research-signal-tests" (fun dir ->
                  withTmpfs "40m" (fun disk ->
                      // One checkpoint of this model (weights + momentum, ~26 MB) fits, the second does not.
                      let argv = args dir 40 10 [] |> List.map (fun a -> if a.StartsWith "output.dir=" then "output.dir=" + disk else a)
                      let child = start argv []
                      let code = waitExit child 180.0
                      Expect.equal code 1 child.Text
                      let folder = Path.Combine(disk, "quickstart_ci", "checkpoints")
                      Expect.stringContains child.Text (sprintf "could not write the checkpoint of iteration 20 to %s" (Path.Combine(folder, "model_0000020.ckpt"))) "names the checkpoint"
                      Expect.stringContains child.Text "No space left on device" "says why"
                      Expect.stringContains child.Text (sprintf "the previous checkpoint %s is intact" (Path.Combine(folder, "model_0000010.ckpt"))) "names the intact one"
                      Expect.equal (Directory.GetFiles folder |> Array.map Path.GetFileName |> List.ofArray) [ "model_0000010.ckpt" ] "nothing half-written is left"
                      Expect.isTrue (CheckpointFile.Verify(Path.Combine(folder, "model_0000010.ckpt"))).IsComplete "the previous checkpoint verifies"
                      Expect.equal (List.exactlyOne (runs dir)).Info.Status RunStatus.Failed "the run is marked FAILED")
                  |> ignore))
          diskFullTest "the tracking store on a full disk: training stops with a checkpoint and the error names the store; --resume after freeing space finishes the same run" (fun () ->
              withTempDir "research-signal-tests" (fun dir ->
                  withTmpfs "300k" (fun disk ->
                      let store = Path.Combine(disk, "mlruns")
                      let withStore (argv: string list) = argv |> List.map (fun a -> if a.StartsWith "tracking.uri=" then "tracking.uri=" + store else a)
                      let child = start (withStore (args dir 30 10 [])) []
                      Expect.equal (waitExit child 180.0) 1 child.Text
                      Expect.stringContains child.Text (sprintf "error: the tracking store %s is out of space" store) "names the store"
                      Expect.stringContains child.Text "No space left on device" "says why"
                      let stop = stoppedAt child
                      let ckpt = Path.Combine(dir, "out", "quickstart_ci", "checkpoints", sprintf "model_%07d.ckpt" stop)
                      Expect.isTrue (CheckpointFile.Verify ckpt).IsComplete "the stop checkpoint (on another disk) is complete"
                      // Free space, then continue.
                      let rc = sh [ "mount"; "-o"; "remount,size=64m"; disk ]
                      Expect.equal rc 0 "remount with more space"
                      let resumed = start (withStore (args dir 30 10 [ "resume=true" ])) []
                      Expect.equal (waitExit resumed 180.0) 0 resumed.Text
                      use reader = new FileStore(store)
                      let experiment = match reader.GetExperimentByName "quickstart_ci" with | null -> failtest "no experiment" | e -> e
                      match reader.SearchRuns([| experiment.ExperimentId |]) |> List.ofSeq with
                      | [ r ] ->
                          Expect.equal r.Info.Status RunStatus.Finished "the same run FINISHED"
                          Expect.equal r.Params["solver.max_iter"] "30" "its params complete"
                          let steps = reader.GetMetricHistory(r.Info.RunId, "total_loss") |> Seq.map (fun p -> p.Step) |> List.ofSeq
                          Expect.equal steps (List.distinct steps |> List.sort) "no step twice, in order"
                          Expect.equal (steps |> List.filter (fun s -> s > int64 stop)) [ int64 stop + 1L .. 30L ] "every step after the stop"
                      | other -> failtestf "expected one run, found %d" other.Length)
                  |> ignore)) ]

[<Tests>]
let tests =
    testSequenced
    <| testList
        "faults on a real training process"
        [ test "SIGTERM stops at an iteration boundary with a checkpoint, KILLED; --resume continues the same run to FINISHED" {
              withTempDir "research-signal-tests" (fun dir ->
                  let _, stop = stopWith dir 15 "SIGTERM"
                  let runId = (List.exactlyOne (runs dir)).Info.RunId
                  let maxIter = stop + 12
                  // The same config continued; max_iter differs from the stopped attempt only to keep the test short.
                  let resumed = start (args dir maxIter 1000 [ "resume=true" ] |> List.map (fun a -> if a = "solver.max_iter=2000" then sprintf "solver.max_iter=%d" maxIter else a)) []
                  Expect.equal (waitExit resumed 180.0) 0 resumed.Text
                  Expect.stringContains resumed.Text (sprintf "resume: continuing MLflow run %s" runId) "the same run is reopened"
                  match runs dir with
                  | [ r ] ->
                      Expect.equal r.Info.RunId runId "still one run"
                      Expect.equal r.Info.Status RunStatus.Finished "FINISHED at the end"
                      let steps = history dir runId "total_loss" |> List.map (fun p -> p.Step)
                      Expect.equal steps [ 1L .. int64 maxIter ] "one continuous curve, no step twice"
                      Expect.isTrue (r.Metrics.ContainsKey "bbox/AP50") "evaluated at the end"
                  | other -> failtestf "expected one run, found %d" other.Length) }

          test "SIGINT (Ctrl-C) stops the same way, exit 130" {
              withTempDir "research-signal-tests" (fun dir -> stopWith dir 2 "SIGINT" |> ignore) }

          test "SIGUSR1 (Slurm --signal) stops the same way, exit 138" {
              withTempDir "research-signal-tests" (fun dir -> stopWith dir StopSignals.SigUsr1Number "SIGUSR1" |> ignore) }

          test "a SIGTERM delivered twice at once (GNU timeout signals the child and its group) is one clean stop" {
              withTempDir "research-signal-tests" (fun dir ->
                  let child = start (args dir 2000 1000 []) []
                  waitUntil "iteration 5" child 120.0 (fun () -> lastIteration child >= 5)
                  signal child 15
                  signal child 15
                  Expect.equal (waitExit child 30.0) 143 child.Text
                  let stop = stoppedAt child
                  Expect.isTrue (CheckpointFile.Verify(List.exactlyOne (checkpoints dir))).IsComplete "the stop checkpoint is complete"
                  Expect.equal (CheckpointFile.ReadMetadata(List.exactlyOne (checkpoints dir))).Iteration (int64 stop) "of the stop iteration"
                  Expect.equal (List.exactlyOne (runs dir)).Info.Status RunStatus.Killed "KILLED") }

          test "a second signal during the checkpoint save aborts at once: the previous checkpoint intact, nothing half-written counted, KILLED" {
              withTempDir "research-signal-tests" (fun dir ->
                  // Every save takes 4 s more between writing the temporary file and renaming it.
                  let child = start (args dir 2000 10 []) [ CheckpointStore.SaveDelayVariable, "4000" ]
                  waitUntil "the checkpoint of iteration 10" child 180.0 (fun () -> lastIteration child >= 12)
                  signal child 15
                  waitUntil "the stop notice" child 30.0 (fun () -> child.Text.Contains "SIGTERM: stopping")
                  Thread.Sleep(int (StopSignals.DuplicateWindow.TotalMilliseconds) + 500) // past the duplicate window, inside the 4 s save
                  signal child 15
                  let code = waitExit child 30.0
                  Expect.notEqual code 0 "non-zero exit"
                  Expect.stringContains child.Text "SIGTERM again: aborting now" "the abort is said"
                  Expect.isFalse (child.Text.Contains "stopped on request after") "the stop's save never finished"
                  let complete = checkpoints dir |> List.filter (fun p -> (CheckpointFile.Verify p).IsComplete)
                  Expect.equal complete (checkpoints dir) "every model_*.ckpt present is complete"
                  Expect.isNonEmpty complete "the periodic checkpoints are kept"
                  let newest = CheckpointFile.ReadMetadata(List.last complete)
                  Expect.equal (newest.Iteration % 10L) 0L "the newest complete one is a periodic checkpoint"
                  Expect.equal (List.exactlyOne (runs dir)).Info.Status RunStatus.Killed "the abort still ends the run KILLED") }

          test "SIGTERM to a sweep: the child and the parent end KILLED; running the sweep again resumes that child in its run and finishes the sweep" {
              withTempDir "research-signal-tests" (fun dir ->
                  let sweepFile = Path.Combine(dir, "sweep.yaml")
                  File.WriteAllText(sweepFile, sprintf "_base_: %s\nname: fault_sweep\nsweep:\n  model.poto.alpha: [0.6, 0.8]\n" (experiment "quickstart_ci.yaml"))
                  let argv = args dir 150 1000 [] |> List.map (fun a -> if a = experiment "quickstart_ci.yaml" then sweepFile elif a = "run" then "sweep" else a)
                  let first = start argv []
                  waitUntil "iteration 5 of the first child" first 120.0 (fun () -> lastIteration first >= 5)
                  signal first 15
                  Expect.equal (waitExit first 30.0) 143 first.Text
                  let byName () = runs dir |> List.map (fun r -> r.Name, r) |> Map.ofList
                  let stopped = byName ()
                  Expect.equal stopped["fault_sweep[alpha=0.6]"].Info.Status RunStatus.Killed "the child KILLED"
                  Expect.equal stopped["fault_sweep"].Info.Status RunStatus.Killed "the parent KILLED"
                  Expect.isFalse (stopped.ContainsKey "fault_sweep[alpha=0.8]") "the second child never started"
                  let again = start argv []
                  Expect.equal (waitExit again 240.0) 0 again.Text
                  Expect.stringContains again.Text "fault_sweep[alpha=0.6]: resuming the stopped attempt" "the stopped child resumes"
                  let finished = byName ()
                  Expect.equal finished.Count 3 "still one parent and two children"
                  for KeyValue(name, r) in finished do
                      Expect.equal r.Info.Status RunStatus.Finished (sprintf "%s FINISHED" name)
                  let resumed = finished["fault_sweep[alpha=0.6]"]
                  Expect.equal resumed.Info.RunId stopped["fault_sweep[alpha=0.6]"].Info.RunId "the same child run"
                  let steps = history dir resumed.Info.RunId "total_loss" |> List.map (fun p -> p.Step)
                  Expect.equal steps [ 1L .. 150L ] "one continuous curve") }

          test "kill -9 mid-run, then --resume: one run, FINISHED, every step once (points past the checkpoint not duplicated)" {
              withTempDir "research-signal-tests" (fun dir ->
                  let child = start (args dir 60 10 []) []
                  waitUntil "iteration 25" child 180.0 (fun () -> lastIteration child >= 25)
                  signal child 9
                  waitExit child 30.0 |> ignore
                  let killedAt = lastIteration child
                  let run = List.exactlyOne (runs dir)
                  Expect.equal run.Info.Status RunStatus.Running "after kill -9 the run is left RUNNING"
                  let before = history dir run.Info.RunId "total_loss" |> List.map (fun p -> p.Step)
                  let newest = checkpoints dir |> List.filter (fun p -> (CheckpointFile.Verify p).IsComplete) |> List.last
                  let overlap = List.last before > (CheckpointFile.ReadMetadata newest).Iteration
                  let resumed = start (args dir 60 10 [ "resume=true" ]) []
                  Expect.equal (waitExit resumed 180.0) 0 resumed.Text
                  if overlap then
                      Expect.stringContains resumed.Text "were not written again" "the points past the checkpoint are skipped, and it says so"
                  match runs dir with
                  | [ r ] ->
                      Expect.equal r.Info.RunId run.Info.RunId "the same run"
                      Expect.equal r.Info.Status RunStatus.Finished "FINISHED"
                      let steps = history dir r.Info.RunId "total_loss" |> List.map (fun p -> p.Step)
                      Expect.equal steps [ 1L .. 60L ] (sprintf "continuous, no duplicate (killed at %d)" killedAt)
                  | other -> failtestf "expected one run, found %d" other.Length) }
          diskFullTests ]
