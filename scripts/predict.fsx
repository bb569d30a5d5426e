// A trained detector on image files and folders: COCO results json, an id → image sidecar, one drawn PNG per image
// (and a CrowdHuman dt .odgt for crowd configs), each image alone through the evaluation path.
//   dotnet fsi scripts/predict.fsx CONFIG.yaml --checkpoint PATH IMAGE|FOLDER ... [--output DIR] [--score-thresh T] [key=value ...]
//   (help: predict.fsx -- --help)
// Logic: Research.Experiments.Predict, where the tests reach it.
#load "lib/Bootstrap.fsx"
Bootstrap.invoke "predict" fsi.CommandLineArgs.[1..]
