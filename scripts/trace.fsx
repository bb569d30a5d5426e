// The DeFCN forward pass, stage by stage, for one image: tensor shapes and statistics of the ResNet
// features, FPN levels P3..P7, towers, MaxFiltering input/output, head outputs, shifts, the flattened
// (N,R,K)/(N,R,4)/(N,R,1) tensors and the final detections.
//   dotnet fsi scripts/trace.fsx [CONFIG.yaml] [key=value ...]     (help: trace.fsx -- --help)
// Without a config: experiments/base.yaml (the reference R-50 DeFCN); overrides as for run.fsx, e.g.
//   dotnet fsi scripts/trace.fsx experiments/quickstart.yaml model.filter.tau=4 input.min_size_test=320
// Logic: Research.Experiments.Inspect.trace and Research.Core.Detectors.ForwardTrace, where the tests reach them.
#load "lib/Bootstrap.fsx"
Bootstrap.invoke "trace" fsi.CommandLineArgs.[1..]
