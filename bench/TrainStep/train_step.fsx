// Ours: one full DeFCN R-50 training step (forward, POTO, aux, losses, backward, SGD) at 2×3×512×512,
// 2 threads, on the same input and targets as official_step.py. Prints the medians and minima.
//   dotnet build ../../Research.sln -c Release && dotnet fsi train_step.fsx [warmup] [runs]
#I "../../src/Experiments/bin/Release/net10.0"
#r "TorchSharp.dll"
#r "Research.Core.dll"
open System.Diagnostics
open TorchSharp
open Research.Core.Data
open Research.Core.Detectors
open Research.Core.Modeling.Backbone
open Research.Core.Training

Research.Core.Runtime.TorchRuntime.EnsureLoaded()
let args = fsi.CommandLineArgs
let warmup = if args.Length > 1 then int args[1] else 3
let runs = if args.Length > 2 then int args[2] else 5
torch.set_num_threads 2
torch.manual_seed 0L |> ignore
let n, h, w = 2L, 512, 512
let model = new Defcn(ResNetFpnBuilder.Build(), 80)
model.train()
let count = n * 3L * int64 h * int64 w
let x = (torch.arange(count.ToScalar(), dtype = torch.float32) * 0.001).sin().reshape(n, 3L, int64 h, int64 w)
let gtBoxes (img: int) =
    [| for i in 0 .. 9 do
         let s = 24 + ((i * 37 + img * 11) % 160)
         let x1 = (i * 53 + img * 29) % (w - s)
         let y1 = (i * 71 + img * 17) % (h - s)
         yield! [| float32 x1; float32 y1; float32 (x1 + s); float32 (float s * 0.8) + float32 y1 |] |]
let targets =
    [| for img in 0 .. 1 ->
         new DetectionTarget(torch.tensor(gtBoxes img).reshape(10L, 4L), torch.tensor([| for i in 0 .. 9 -> int64 ((i * 7 + img) % 80) |])) |]
let batch = new ImageBatch(x, [| struct (h, w); struct (h, w) |], [| struct (h, w); struct (h, w) |], [| 1L; 2L |], targets)
let struct (sgd, _) = SgdBuilder.Build(model, SolverOptions(0.001, IsNormModule = (fun m -> m :? FrozenBatchNorm2d)))
let step () =
    use scope = torch.NewDisposeScope()
    sgd.zero_grad()
    let terms = DetectorLossFunction.Compute(model, batch)   // no normalisation: x is the network input as is
    let total = terms["loss_cls"] + terms["loss_box_reg"] + terms["loss_cls_aux"]
    total.backward()
    sgd.step() |> ignore
    terms["loss_cls"].item<float32>(), terms["loss_box_reg"].item<float32>(), terms["loss_cls_aux"].item<float32>()
for i in 1 .. warmup do
    let sw = Stopwatch.StartNew()
    let l = step ()
    printfn "warm-up %d: %.3f s %A" i sw.Elapsed.TotalSeconds l
// Resident memory after the warm-ups and after the timed runs: a steady loop must stay flat.
let rss () = System.Diagnostics.Process.GetCurrentProcess().WorkingSet64 / 1048576L
let rssAfterWarmup = rss ()
let times =
    [ for _ in 1 .. runs ->
        let sw = Stopwatch.StartNew()
        step () |> ignore
        sw.Elapsed.TotalSeconds ]
let sorted = List.sort times
printfn "resident memory: %d MB after the warm-ups, %d MB after %d runs" rssAfterWarmup (rss ()) runs
printfn "ours: median %.3f s, min %.3f s over %d runs" sorted[sorted.Length / 2] sorted.Head runs
