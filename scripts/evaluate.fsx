// COCO bbox evaluation of a results file against a COCO instances file (pycocotools COCOeval semantics).
//   dotnet fsi scripts/evaluate.fsx GT.json DETS.json [--json]      (--help for details)
// Build first: dotnet build Research.sln -c Release (the Experiments output holds Research.Core and TorchSharp).
// All logic is in Research.Core.Evaluation.CocoEvaluateCommand, where the tests reach it.
#I "../src/Experiments/bin/Release/net10.0"
#r "TorchSharp.dll"
#r "Research.Core.dll"

exit (Research.Core.Evaluation.CocoEvaluateCommand.Run(fsi.CommandLineArgs.[1..], stdout, stderr))
