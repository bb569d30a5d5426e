/// The emitted Slurm submission script: its text, bash syntax, and a run through stand-ins for sbatch
/// and `dotnet fsi` that execute it the way Slurm would (one process per array index, exported
/// variables), checking every command line a task would run.
module Research.Experiments.Tests.SlurmEmitterTests

open System
open System.Diagnostics
open System.IO
open Expecto
open Research.Experiments
open Research.Experiments.Tests.TestFiles

let runBash (workDir: string) (args: string list) (env: (string * string) list) =
    let psi = ProcessStartInfo("bash", args, WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true)
    for k, v in env do
        psi.Environment[k] <- v
    use p =
        match Process.Start psi with
        | null -> failwith "bash did not start"
        | p -> p
    let out = p.StandardOutput.ReadToEnd()
    let err = p.StandardError.ReadToEnd()
    p.WaitForExit()
    p.ExitCode, out, err

/// sbatch stand-in: logs its arguments, applies --export, runs the script from stdin once per array
/// index (with SLURM_ARRAY_TASK_ID) or once, and prints a job id.
let private fakeSbatch = """#!/usr/bin/env bash
script=$(cat)
array=""
for a in "$@"; do
  case "$a" in
    --array=*) array="${a#--array=}" ;;
    --export=ALL,*) export "${a#--export=ALL,}" ;;
  esac
done
echo "sbatch $*" >> "$FAKE_LOG"
n=$(cat "$FAKE_JOBS" 2>/dev/null || echo 100); echo $((n + 1)) > "$FAKE_JOBS"
if [ -n "$array" ]; then
  range="${array%%\%*}"
  for i in $(seq "${range%-*}" "${range#*-}"); do
    printf '%s\n' "$script" | SLURM_ARRAY_TASK_ID=$i bash
  done
else
  printf '%s\n' "$script" | bash
fi
echo "$n"
"""

/// `dotnet fsi` stand-in (also used by the Slurm integration test): logs its arguments joined by '|'; `--create-parent` prints a run id last.
let fakeFsi = """#!/usr/bin/env bash
(IFS='|'; echo "fsi $*") >> "$FAKE_LOG"
for a in "$@"; do [ "$a" = "--create-parent" ] && { echo "creating the parent run"; echo "parent123"; }; done
exit 0
"""

let private plan () = valueOf (Sweep.expandIn repoRoot (experiment "sweeps/alpha.yaml") [ "name=it's a test"; "solver.max_iter=200" ])

[<Tests>]
let tests =
    testList
        "SlurmEmitter"
        [ test "shell quoting" {
              Expect.equal (SlurmEmitter.shellQuote "a b") "'a b'" "spaces"
              Expect.equal (SlurmEmitter.shellQuote "it's") "'it'\\''s'" "single quote"
          }
          test "script text: array size, one case per child, shared tracking, dependent collector" {
              let p = plan ()
              let options = { SlurmEmitter.defaults "/shared/research" "/shared/mlruns" with MaxParallel = Some 2; Partition = Some "cpu"; TimeLimit = Some "01:00:00"; MemoryGb = Some 8 }
              let text = SlurmEmitter.emit options p p.Children
              Expect.stringContains text "--array=0-5%2 --requeue --open-mode=append --signal=B:USR1@120 --cpus-per-task=2 --partition='cpu' --mem=8G --time='01:00:00'" "array, requeue, early signal and resources"
              Expect.stringContains text "trap 'requeue=1; kill -USR1 -- -\"$child\" 2>/dev/null' USR1" "SIGUSR1 goes to the training, then the task requeues itself"
              Expect.stringContains text "scontrol requeue \"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"" "requeue of this array task"
              Expect.stringContains text "  0) RUN_NAME='it'\\''s a test[alpha=0.0]'; ARGS=('experiments/quickstart.yaml' '++name=sweep_alpha' '++tracking.experiment=ablation_alpha' 'name=it'\\''s a test' 'solver.max_iter=200' '++model.poto.alpha=0.0' 'tracking.uri=/shared/mlruns') ;;  # grid point 0" "first case"
              Expect.stringContains text "  5) RUN_NAME=" "six cases"
              Expect.isFalse (text.Contains "  6) RUN_NAME=") "no seventh case"
              Expect.stringContains text "--dependency=afterany:\"$ARRAY_JOB\"" "collector waits for the whole array"
              Expect.stringContains text "cd '/shared/research'" "work dir"
          }
          test "a resumed sweep emits only the pending children, renumbered" {
              let p = plan ()
              let pending = p.Children |> List.filter (fun c -> c.Index % 2 = 1)
              let text = SlurmEmitter.emit (SlurmEmitter.defaults "/w" "/m") p pending
              Expect.stringContains text "--array=0-2 --requeue" "three tasks"
              Expect.stringContains text "  0) RUN_NAME='it'\\''s a test[alpha=0.2]'" "task 0 is grid point 1"
              Expect.stringContains text "# grid point 5" "last grid point"
          }
          test "the script is valid bash" {
              let p = plan ()
              withFiles [ "submit.sh", SlurmEmitter.emit (SlurmEmitter.defaults "/w" "/m") p p.Children ] (fun dir ->
                  let code, _, err = runBash dir [ "-n"; "submit.sh" ] []
                  Expect.equal code 0 (sprintf "bash -n: %s" err))
          }
          test "run through sbatch and fsi stand-ins: every task runs its child's exact command line" {
              let p = plan ()
              withFiles [ "bin/sbatch", fakeSbatch; "fakefsi", fakeFsi ] (fun dir ->
                  let log = Path.Combine(dir, "log.txt")
                  let options = { SlurmEmitter.defaults dir (Path.Combine(dir, "mlruns")) with Fsi = Path.Combine(dir, "fakefsi") }
                  File.WriteAllText(Path.Combine(dir, "submit.sh"), SlurmEmitter.emit options p p.Children)
                  for f in [ "bin/sbatch"; "fakefsi" ] do
                      File.SetUnixFileMode(Path.Combine(dir, f), UnixFileMode.UserRead ||| UnixFileMode.UserWrite ||| UnixFileMode.UserExecute)
                  let path = Path.Combine(dir, "bin") + ":" + Environment.GetEnvironmentVariable "PATH"
                  let code, out, err = runBash dir [ "submit.sh" ] [ "PATH", path; "FAKE_LOG", log; "FAKE_JOBS", Path.Combine(dir, "jobs") ]
                  Expect.equal code 0 (sprintf "submit.sh failed: %s" err)
                  Expect.stringContains out "parent run parent123: array job 100 (6 tasks), collector job 101" "summary line"
                  let lines = File.ReadAllLines log |> List.ofArray
                  let tracking = "tracking.uri=" + Path.Combine(dir, "mlruns")
                  let sweepArgs = "experiments/sweeps/alpha.yaml|name=it's a test|solver.max_iter=200|" + tracking
                  Expect.equal lines.Head ("fsi scripts/sweep.fsx|" + sweepArgs + "|--create-parent") "parent first"
                  let runs = lines |> List.filter (fun l -> l.StartsWith "fsi scripts/run.fsx")
                  let expectedRuns =
                      p.Children
                      |> List.map (fun c -> "fsi scripts/run.fsx|" + String.Join("|", p.ConfigPath :: c.Overrides @ [ tracking; "--parent-run-id"; "parent123"; "--run-name"; c.Name ]))
                  Expect.equal runs expectedRuns "one run per child, exact arguments"
                  Expect.equal (List.last lines) ("fsi scripts/sweep.fsx|" + sweepArgs + "|--collect|parent123") "collector last"
                  Expect.isTrue (lines |> List.exists (fun l -> l.StartsWith "sbatch" && l.Contains "--dependency=afterany:100")) "collector depends on the array job"
                  // The arguments a task receives load to the child's config.
                  let args = (runs[3].Split('|') |> Array.skip 2 |> Array.takeWhile (fun a -> not (a.StartsWith "--"))) |> List.ofArray
                  let again = valueOf (Config.loadIn repoRoot (Path.Combine(repoRoot, p.ConfigPath)) args)
                  Expect.equal (Config.flatten again |> List.filter (fun (k, _) -> k <> "tracking.uri")) (Config.flatten p.Children[3].Resolved |> List.filter (fun (k, _) -> k <> "tracking.uri")) "task 3's config"
                  Expect.equal again.Config.Tracking.Uri (Path.Combine(dir, "mlruns")) "shared tracking target"
                  Expect.equal again.Config.Name "it's a test" "quoted name survives bash and the override grammar")
          } ]
