// COCO bbox evaluation of a results file against a COCO instances file (pycocotools COCOeval semantics), or, for a
// CrowdHuman .odgt ground truth, the official CrowdHuman AP50 / mMR / recall.
//   dotnet fsi scripts/evaluate.fsx GT.json DETS.json [--json]        (help: evaluate.fsx -- --help)
//   dotnet fsi scripts/evaluate.fsx GT.odgt DETS [--images DIR] [--visible] [--json]
//   dotnet fsi scripts/evaluate.fsx CONFIG.yaml --checkpoint PATH [key=value ...] [--json]   (.ckpt, .pth, .safetensors)
// Logic: Research.Experiments.EvaluateCommand / CrowdHumanEvaluateCommand (and Inspect.evaluate for configs),
// where the tests reach it.
#load "lib/Bootstrap.fsx"
Bootstrap.invoke "evaluate" fsi.CommandLineArgs.[1..]
