// Benchmark: our POTO + aux assignment vs the official DeFCN code on the same tensors, and our
// LinearAssignment vs scipy's linear_sum_assignment on the same quality matrices. The official side is
// timed by official_assign.py (run here first, same machine, same run); this program prints ratios.
using Research.Core.Dense;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Research.Core.Assignment;
using Research.Core.Data;
using Research.Core.Modeling;
using Research.Core.Runtime;
using TorchSharp;
using static TorchSharp.torch;

static string SourceDir([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

int reps = 7;
bool skipPython = args.Contains("--skip-python");
var resultsDir = Path.GetFullPath(Path.Combine(SourceDir(), "..", "results", "assignment"));
for (int a = 0; a < args.Length - 1; a++) if (args[a] == "--reps") reps = int.Parse(args[a + 1]);

TorchRuntime.EnsureLoaded();
torch.set_num_threads(2);
if (!skipPython)
{
    Console.WriteLine($"running the official code (/usr/bin/python3 official_assign.py {resultsDir} {reps}) ...");
    var psi = new ProcessStartInfo("/usr/bin/python3", $"official_assign.py \"{resultsDir}\" {reps}") { WorkingDirectory = SourceDir() };
    using var p = Process.Start(psi)!;
    p.WaitForExit();
    if (p.ExitCode != 0) { Console.Error.WriteLine("official_assign.py failed"); return 1; }
}

static double Median(List<double> xs) { xs.Sort(); return xs[xs.Count / 2]; }
static double Time(Action f, int reps, int warm = 5) => TimeBoth(f, reps, warm).Median;
static (double Median, double Min) TimeBoth(Action f, int reps, int warm = 5)
{
    for (int i = 0; i < warm; i++) f();
    var ts = new List<double>();
    for (int i = 0; i < reps; i++) { var sw = Stopwatch.StartNew(); f(); ts.Add(sw.Elapsed.TotalSeconds); }
    return (Median(ts), ts.Min());
}

int failures = 0;
foreach (var name in new[] { "800x800_g50", "800x1344_g100" })
{
    var meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(resultsDir, name + ".json"))).RootElement;
    var t = TorchSharp.PyBridge.Safetensors.LoadStateDict(Path.Combine(resultsDir, name + ".safetensors"));
    int K = meta.GetProperty("num_classes").GetInt32();
    var strides = meta.GetProperty("strides").EnumerateArray().Select(x => x.GetInt32()).ToArray();
    var sizes = meta.GetProperty("sizes").EnumerateArray().Select(s => (s[0].GetInt32(), s[1].GetInt32())).ToArray();
    int L = strides.Length;
    var cls = Enumerable.Range(0, L).Select(l => t[$"cls_{l}"]).ToArray();
    var reg = Enumerable.Range(0, L).Select(l => t[$"reg_{l}"]).ToArray();
    var fil = Enumerable.Range(0, L).Select(l => t[$"filter_{l}"]).ToArray();
    var shifts = new ShiftGenerator(strides, 0.5).AllShifts(sizes.Select(s => ((long)s.Item1, (long)s.Item2)).ToArray());
    var targets = Enumerable.Range(0, 2).Select(n => new DetectionTarget(t[$"gt_boxes_{n}"], t[$"gt_classes_{n}"])).ToArray();
    var poto = new PotoAssigner(strides, K, 0.8, 1.5);
    var aux = new AuxAssigner(K, 0.8, 9);

    ShiftTargets? lastPoto = null;
    ShiftTargets? lastAux = null;
    void Run()
    {
        using var scope = NewDisposeScope();
        var c = HeadFlattening.FlattenAndConcat(cls, K);
        var r = HeadFlattening.FlattenAndConcat(reg, 4);
        var f = HeadFlattening.FlattenAndConcat(fil, 1);
        lastPoto?.Dispose(); lastAux?.Dispose();
        lastPoto = poto.Assign(c, r, f, shifts, sizes, targets);
        lastAux = aux.Assign(c, r, shifts, sizes, targets);
        lastPoto.Classes.MoveToOuterDisposeScope(); lastPoto.RegTargets!.MoveToOuterDisposeScope(); lastAux.Classes.MoveToOuterDisposeScope();
    }
    var (ours, oursMin) = TimeBoth(Run, reps);
    if (args.Contains("--breakdown"))
    {
        using var bscope = NewDisposeScope();
        var c0 = HeadFlattening.FlattenAndConcat(cls, K); var r0 = HeadFlattening.FlattenAndConcat(reg, 4); var f0 = HeadFlattening.FlattenAndConcat(fil, 1);
        double tf = Time(() => { using var s2 = NewDisposeScope(); HeadFlattening.FlattenAndConcat(cls, K); HeadFlattening.FlattenAndConcat(reg, 4); HeadFlattening.FlattenAndConcat(fil, 1); }, reps);
        double tp = Time(() => poto.Assign(c0, r0, f0, shifts, sizes, targets).Dispose(), reps);
        double ta = Time(() => aux.Assign(c0, r0, shifts, sizes, targets).Dispose(), reps);
        double Cpu(Action f) { f(); var p0 = Process.GetCurrentProcess().TotalProcessorTime; for (int i = 0; i < 10; i++) f(); return (Process.GetCurrentProcess().TotalProcessorTime - p0).TotalSeconds / 10; }
        Console.WriteLine($"  cpu time: flatten {Cpu(() => { using var s2 = NewDisposeScope(); HeadFlattening.FlattenAndConcat(cls, K); HeadFlattening.FlattenAndConcat(reg, 4); HeadFlattening.FlattenAndConcat(fil, 1); }) * 1000:F1} ms, " +
                          $"POTO {Cpu(() => poto.Assign(c0, r0, f0, shifts, sizes, targets).Dispose()) * 1000:F1} ms, aux {Cpu(() => aux.Assign(c0, r0, shifts, sizes, targets).Dispose()) * 1000:F1} ms");
        Console.WriteLine($"  breakdown: flatten {tf * 1000:F1} ms, POTO {tp * 1000:F1} ms, aux {ta * 1000:F1} ms");
    }
    bool same = lastPoto!.Classes.equal(t["poto_classes"]).all().item<bool>()
             && lastPoto.RegTargets!.equal(t["poto_reg"]).all().item<bool>()
             && lastAux!.Classes.equal(t["aux_classes"]).all().item<bool>();
    var matches = meta.GetProperty("matches").EnumerateArray().ToArray();
    for (int n = 0; n < 2; n++)
        same &= matches[n].GetProperty("shift").EnumerateArray().Select(x => x.GetInt32()).SequenceEqual(lastPoto.Matches![n].Columns);
    var sec = meta.GetProperty("seconds");
    var secMin = meta.GetProperty("min_seconds");
    double official = sec.GetProperty("poto").GetDouble() + sec.GetProperty("aux").GetDouble();
    double officialMin = secMin.GetProperty("poto").GetDouble() + secMin.GetProperty("aux").GetDouble();
    Console.WriteLine($"{name}: POTO+aux official {official * 1000:F1} ms (POTO {sec.GetProperty("poto").GetDouble() * 1000:F1} + aux {sec.GetProperty("aux").GetDouble() * 1000:F1}), " +
                      $"ours {ours * 1000:F1} ms → {official / ours:F1}× faster (medians); minima {officialMin * 1000:F1} vs {oursMin * 1000:F1} ms → {officialMin / oursMin:F1}×; " +
                      $"identical targets and matches: {(same ? "yes" : "NO")}");
    if (!same) failures++;

    // LinearAssignment vs scipy on the very matrices the official code handed to scipy.
    var problems = new List<(SparseAssignmentProblem Sparse, double[] Dense, int M, int R)>();
    for (int n = 0; n < 2; n++)
    {
        var q = t[$"quality_{n}"];
        int M = (int)q.shape[0], R = (int)q.shape[1];
        var dense = q.to(ScalarType.Float64).data<double>().ToArray();
        var start = new List<int> { 0 }; var colsL = new List<int>(); var vals = new List<double>();
        for (int i = 0; i < M; i++)
        {
            for (int j = 0; j < R; j++) if (dense[(long)i * R + j] != -1.0) { colsL.Add(j); vals.Add(dense[(long)i * R + j]); }
            start.Add(colsL.Count);
        }
        problems.Add((new SparseAssignmentProblem(M, R, -1.0, start.ToArray(), colsL.ToArray(), vals.ToArray()), dense, M, R));
    }
    var results = new AssignmentResult[2];
    var (sparseT, sparseMin) = TimeBoth(() => { for (int n = 0; n < 2; n++) results[n] = LinearAssignment.SolveSparse(problems[n].Sparse, maximize: true); }, reps * 3);
    bool lsaSame = true;
    for (int n = 0; n < 2; n++)
        lsaSame &= matches[n].GetProperty("shift").EnumerateArray().Select(x => x.GetInt32()).SequenceEqual(results[n].Columns);
    double denseT = Time(() => { for (int n = 0; n < 2; n++) LinearAssignment.Solve(problems[n].Dense, problems[n].M, problems[n].R, maximize: true); }, 3, 1);
    double scipyT = sec.GetProperty("lsa_scipy").GetDouble(), scipyMin = secMin.GetProperty("lsa_scipy").GetDouble();
    Console.WriteLine($"{name}: LSA on 2 × {problems[0].M}×{problems[0].R}: scipy {scipyT * 1000:F2} ms, ours sparse {sparseT * 1000:F3} ms → {scipyT / sparseT:F1}× faster (medians; minima {scipyMin / sparseMin:F1}×) " +
                      $"(ours dense {denseT * 1000:F1} ms); identical pairs: {(lsaSame ? "yes" : "NO")}");
    if (!lsaSame) failures++;
    lastPoto.Dispose(); lastAux!.Dispose();
    foreach (var x in t.Values) x.Dispose();
    shifts.Dispose();
}
return failures == 0 ? 0 : 2;
