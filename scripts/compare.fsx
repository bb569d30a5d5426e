// Compare the runs of a sweep (or of an experiment): a table of metrics against the swept params on the
// terminal, markdown + CSV, and a plot of the first metric against the first swept key.
//   dotnet fsi scripts/compare.fsx [--parent RUN_ID | --experiment NAME [--all]] [--metric bbox/AP]... [--uri URI] [--out DIR]
//   (no selection: the most recent sweep in the store; `-- --help` or `help` for details: dotnet fsi
//   takes a bare --help for itself)
// Builds the library first when it is missing or stale. All logic is in Research.Experiments.Compare
// (src/Experiments/Compare*.fs), where the tests reach it.
#load "lib/Bootstrap.fsx"

Bootstrap.invoke "compare" fsi.CommandLineArgs.[1..]
