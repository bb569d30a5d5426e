// Trains, evaluates and tracks one experiment (DESIGN §1): one YAML file → a trained DeFCN, its COCO
// metrics with and without NMS, pictures, and an MLflow run.
//   dotnet fsi scripts/run.fsx experiments/quickstart.yaml [overrides] [--print-config] [--dry-run] [--resume]
//   help: dotnet fsi scripts/run.fsx -- --help
// Logic: Research.Experiments.Run, where the tests reach it. Builds the library first when it is stale.
#load "lib/Bootstrap.fsx"
Bootstrap.invoke "run" fsi.CommandLineArgs.[1..]
