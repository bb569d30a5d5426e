// COCO bbox evaluation of a results file against a COCO instances file (pycocotools COCOeval semantics).
//   dotnet fsi scripts/evaluate.fsx GT.json DETS.json [--json]        (help: evaluate.fsx -- --help)
// Logic: Research.Experiments.EvaluateCommand (and Inspect.evaluate for configs), where the tests reach it.
#load "lib/Bootstrap.fsx"
Bootstrap.invoke "evaluate" fsi.CommandLineArgs.[1..]
