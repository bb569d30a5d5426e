// Benchmark: the R-50 DeFCN network alone (ResNet-50 FrozenBN + FPN P3..P7 + DeFCN head with 3DMF, K = 80)
// forward (no grad) and forward+backward (sum of all outputs), against the official network in PyTorch
// (official_forward.py, run first in this process's run) on the same input and thread count. Prints the
// medians, minima and the C#/Python ratios.
//   dotnet run -c Release --project bench/Forward [-- --defcn DIR --cvpods DIR --n 2 --size 512x512 --threads 2 --warmup 3 --runs 5]
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Research.Core.Modeling;
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

Console.WriteLine($"input {n}x3x{h}x{w}, {threads} threads, {warmup} warm-ups, {runs} runs");
Console.WriteLine("official network (Debian torch 1.13) ...");
var psi = new ProcessStartInfo("/usr/bin/python3",
    $"official_forward.py \"{defcnRoot}\" \"{cvpodsRoot}\" {n} {h} {w} {threads} {warmup} {runs}")
{ WorkingDirectory = SourceDir(), RedirectStandardOutput = true };
using (var p = Process.Start(psi)!)
{
    var text = p.StandardOutput.ReadToEnd();
    p.WaitForExit();
    if (p.ExitCode != 0) { Console.Error.WriteLine("official_forward.py failed"); return 1; }
    var json = JsonDocument.Parse(text.Trim().Split('\n').Last()).RootElement;
    Python = (json.GetProperty("forward").EnumerateArray().Select(x => x.GetDouble()).ToList(),
        json.GetProperty("forward_backward").EnumerateArray().Select(x => x.GetDouble()).ToList(),
        json.GetProperty("params").GetInt64());
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

List<double> Time(Action f)
{
    for (var i = 0; i < warmup; i++) f();
    var times = new List<double>();
    for (var i = 0; i < runs; i++)
    {
        var sw = Stopwatch.StartNew();
        f();
        times.Add(sw.Elapsed.TotalSeconds);
    }
    return times;
}

Console.WriteLine("ours (TorchSharp 0.107 / libtorch 2.10) ...");
var ours = (Time(Forward), Time(ForwardBackward));
Console.WriteLine($"parameters: ours {paramCount:N0}, official {Python.Params:N0}");
static double Median(List<double> xs) { var s = xs.OrderBy(v => v).ToList(); return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2; }
string Row(string name, List<double> c, List<double> py) => string.Format(CultureInfo.InvariantCulture,
    "{0,-18} ours median {1,6:F3} s (min {2:F3})   official median {3,6:F3} s (min {4:F3})   ratio ours/official: median {5:F2}, min {6:F2}",
    name, Median(c), c.Min(), Median(py), py.Min(), Median(c) / Median(py), c.Min() / py.Min());
Console.WriteLine(Row("forward", ours.Item1, Python.Forward));
Console.WriteLine(Row("forward+backward", ours.Item2, Python.ForwardBackward));
return 0;

partial class Program
{
    static (List<double> Forward, List<double> ForwardBackward, long Params) Python;
}
