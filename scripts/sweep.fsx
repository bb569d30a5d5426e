// Runs an ablation sweep (a file with `sweep:`, or multirun overrides `key=a,b,c`) as one MLflow parent
// run with a child per grid point; re-running skips children already FINISHED. `--emit slurm` writes a
// job-array script for a cluster instead.
//   dotnet fsi scripts/sweep.fsx experiments/sweeps/alpha.yaml [overrides] [--dry-run] [--emit slurm]
//   help: dotnet fsi scripts/sweep.fsx -- --help
// Logic: Research.Experiments.SweepRun, where the tests reach it.
#load "lib/Bootstrap.fsx"
Bootstrap.invoke "sweep" fsi.CommandLineArgs.[1..]
