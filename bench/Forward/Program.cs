// Benchmark: the R-50 DeFCN network alone (ResNet-50 FrozenBN + FPN P3..P7 + DeFCN head with 3DMF, K = 80)
// forward (no grad) and forward+backward (sum of all outputs), against the official network in PyTorch
// (official_forward.py in serve mode) on the same input and thread count. The two sides alternate run by
// run (each waits while the other runs), so load from other processes hits both alike; the report gives
// medians, minima and the median of the per-run ratios.
//   dotnet run -c Release --project bench/Forward [-- --defcn DIR --cvpods DIR --n 2 --size 512x512 --threads 2 --warmup 3 --runs 5]
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Research.Core.Detectors;
using Research.Core.Modeling.Backbone;
using Research.Core.Runtime;
using TorchSharp;
using static TorchSharp.torch;

static string SourceDir([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
string Arg(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

var defcnRoot = Arg("--defcn", "/tmp/defcn");
var cvpodsRoot = Arg("--cvpods", "/tmp/cvpods");
int n = int.Parse(Arg("--n", "2")), threads = int.Parse(Arg("--threads", "2"));
int warmup = int.Parse(Arg("--warmup", "3")), runs = int.Parse(Arg("--runs", "5"));
var size = Arg("--size", "512x512").Split('x').Select(int.Parse).ToArray();
int h = size[0], w = size[1];
if (!File.Exists(Path.Combine(defcnRoot, "playground/detection/coco/poto.res50.fpn.coco.800size.3x_ms.3dmf.aux/fcos.py")) ||
    !Directory.Exists(Path.Combine(cvpodsRoot, "cvpods")))
{
    Console.Error.WriteLine($"official sources missing: extract them first (README.md), e.g.\n" +
        $"  mkdir -p {defcnRoot} {cvpodsRoot}\n" +
        $"  git --git-dir=<DeFCN mirror> archive HEAD playground/detection/coco | tar -x -C {defcnRoot}\n" +
        $"  git --git-dir=<cvpods mirror> archive HEAD cvpods | tar -x -C {cvpodsRoot}");
    return 2;
}

Console.WriteLine($"input {n}x3x{h}x{w}, {threads} threads, {warmup} warm-ups, {runs} runs per side, alternating");
var psi = new ProcessStartInfo("/usr/bin/python3",
    $"official_forward.py \"{defcnRoot}\" \"{cvpodsRoot}\" {n} {h} {w} {threads} serve")
{ WorkingDirectory = SourceDir(), RedirectStandardOutput = true, RedirectStandardInput = true };
using var python = Process.Start(psi)!;
var ready = python.StandardOutput.ReadLine();
if (ready is null || !ready.StartsWith("ready ")) { Console.Error.WriteLine("official_forward.py failed to start"); return 1; }
var officialParams = long.Parse(ready[6..]);
double Official(string command)
{
    python.StandardInput.WriteLine(command);
    python.StandardInput.Flush();
    return double.Parse(python.StandardOutput.ReadLine() ?? throw new InvalidOperationException("official_forward.py stopped"), CultureInfo.InvariantCulture);
}

TorchRuntime.EnsureLoaded();
torch.set_num_threads(threads);
torch.manual_seed(0);
using var model = new Defcn(ResNetFpnBuilder.Build(), numClasses: 80);
model.train();
var paramCount = model.parameters().Sum(p => p.numel());
using var x = sin(arange(n * 3L * h * w, dtype: ScalarType.Float32) * 0.001).reshape(n, 3, h, w);

void Forward()
{
    using var scope = NewDisposeScope();
    using var _ = no_grad();
    using var o = model.forward(x);
}

void ForwardBackward()
{
    using var scope = NewDisposeScope();
    model.zero_grad();
    using var o = model.forward(x);
    var loss = o.Logits.Concat(o.BoxRegression).Concat(o.Filter!).Select(t => t.sum()).Aggregate((a, b) => a + b);
    loss.backward();
}

double Ours(Action f)
{
    var sw = Stopwatch.StartNew();
    f();
    return sw.Elapsed.TotalSeconds;
}

static double Median(IEnumerable<double> values)
{
    var s = values.OrderBy(v => v).ToList();
    return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
}

Console.WriteLine($"parameters: ours {paramCount:N0}, official {officialParams:N0}");
foreach (var (name, command, action) in new (string, string, Action)[] { ("forward", "forward", Forward), ("forward+backward", "forward_backward", ForwardBackward) })
{
    for (var i = 0; i < warmup; i++) { Official(command); Ours(action); }
    var pairs = new List<(double Ours, double Official)>();
    for (var i = 0; i < runs; i++)
    {
        var official = Official(command);
        pairs.Add((Ours(action), official));
    }
    Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
        "{0,-17} ours median {1:F3} s (min {2:F3})  official median {3:F3} s (min {4:F3})  ratio ours/official: median of per-run ratios {5:F2}, of minima {6:F2}",
        name, Median(pairs.Select(p => p.Ours)), pairs.Min(p => p.Ours), Median(pairs.Select(p => p.Official)), pairs.Min(p => p.Official),
        Median(pairs.Select(p => p.Ours / p.Official)), pairs.Min(p => p.Ours) / pairs.Min(p => p.Official)));
}
python.StandardInput.WriteLine("quit");
python.WaitForExit();
return 0;
