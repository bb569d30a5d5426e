// The DeFCN forward pass, stage by stage, for one image: tensor shapes and statistics of the ResNet
// features, FPN levels P3..P7, towers, MaxFiltering input/output, head outputs, shifts, the flattened
// (N,R,K)/(N,R,4)/(N,R,1) tensors and the final detections.
//   dotnet fsi scripts/trace.fsx [key=value ...]          (keys: trace.fsx -- --help)
// e.g. dotnet fsi scripts/trace.fsx model.filter.tau=4 input.size=320x256 model.backbone.depth=18
// Logic: Research.Core.Modeling.TraceCommand and ForwardTrace, where the tests reach it.
#load "lib/Bootstrap.fsx"
Bootstrap.invoke "trace" fsi.CommandLineArgs.[1..]
