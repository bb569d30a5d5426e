// TorchSharp 0.107's temporary Scalars against collections started by another thread: one thread allocates
// large arrays (forcing full GCs), this one calls t.add_(1) (an implicit Scalar per call) for 40 s.
//   dotnet build ../../Research.sln -c Release && dotnet fsi scalar_race.fsx batch|normal
// batch: the blocking GC Research.Core sets when it loads; normal: the runtime default (RESEARCH_CONCURRENT_GC=1).
#I "../../src/Experiments/bin/Release/net10.0"
#r "TorchSharp.dll"
#r "Research.Core.dll"
open System
open System.Threading
open TorchSharp
Research.Core.Runtime.TorchRuntime.EnsureLoaded()
torch.set_num_threads 1
let mode = if fsi.CommandLineArgs.Length > 1 then fsi.CommandLineArgs[1] else "batch"
Runtime.GCSettings.LatencyMode <- (if mode = "batch" then Runtime.GCLatencyMode.Batch else Runtime.GCLatencyMode.Interactive)
let t = torch.zeros([| 1L |], dtype = torch.int64)
let stop = ref false
let garbage = Thread((fun () -> while not stop.Value do (let a = Array.zeroCreate<float32> 300000 in a[0] <- 1.0f)), IsBackground = true)
garbage.Start()
let sw = Diagnostics.Stopwatch.StartNew()
let mutable i = 0L
try
    while sw.Elapsed.TotalSeconds < 40.0 do
        t.add_(TorchSharp.Scalar.op_Implicit 1L) |> ignore
        i <- i + 1L
    printfn "%s: no crash after %d iterations; GCs %d/%d/%d" mode i (GC.CollectionCount 0) (GC.CollectionCount 1) (GC.CollectionCount 2)
with e -> printfn "%s: CRASH after %d iterations (%.1f s): %s; gen2 GCs %d" mode i sw.Elapsed.TotalSeconds (e.Message.Split('\n').[0]) (GC.CollectionCount 2)
stop.Value <- true
