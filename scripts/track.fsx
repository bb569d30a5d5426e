// Single-object tracking with a trained `task: tracking` config: one-pass evaluation on sequence folders.
//   dotnet fsi scripts/track.fsx CONFIG.yaml SEQUENCE_DIR [--checkpoint PATH] [key=value ...]   (help: track.fsx -- --help)
// Logic: Research.Experiments.Track, where the tests reach it.
#load "lib/Bootstrap.fsx"
Bootstrap.invoke "track" fsi.CommandLineArgs.[1..]
