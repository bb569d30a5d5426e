// Cost of tracking: 100 000 metric points logged the way the trainer logs them (10 metrics per step,
// 10 000 steps), to the file store and through REST to an in-process MLflow server. Reports points per
// second, the caller's time per training step as a share of a 2.5 s step (goal: under 1%), and ratios
// against baselines measured in the same run (plain buffered file appends; direct synchronous log-batch calls).
using System.Diagnostics;
using Research.Core.Tests.Mlflow;
using Research.Core.Mlflow;

const int Steps = 10_000, PerStep = 10, Points = Steps * PerStep, Reps = 3;
const double StepSeconds = 2.5;
var keys = Enumerable.Range(0, PerStep).Select(i => i switch { 0 => "loss", < 5 => $"loss_part{i}", _ => $"train/metric {i}" }).ToArray();
var root = Path.Combine(Path.GetTempPath(), "research-bench-tracking", Guid.NewGuid().ToString("N")[..8]);
var quiet = new TrackingOptions { Warn = m => Console.Error.WriteLine(m) };
Dictionary<string, double> StepMetrics(int s) => keys.Select((k, i) => (k, v: 1.0 / (s + i + 1))).ToDictionary(x => x.k, x => x.v);

double Median(Func<double> measure)
{
    measure(); // warm-up (JIT, file system caches)
    return Enumerable.Range(0, Reps).Select(_ => measure()).Order().ElementAt(Reps / 2);
}

// Baseline: the cheapest file logging: one buffered StreamWriter per key, lines appended, no atomicity.
var baselineFile = Median(() =>
{
    var dir = Directory.CreateDirectory(Path.Combine(root, "plain", Guid.NewGuid().ToString("N"))).FullName;
    var sw = Stopwatch.StartNew();
    var writers = keys.ToDictionary(k => k, k => new StreamWriter(Path.Combine(dir, k.Replace('/', '_'))));
    for (var s = 0; s < Steps; s++)
        foreach (var (k, v) in StepMetrics(s)) writers[k].Write($"{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()} {MetricFile.FormatValue(v)} {s}\n");
    foreach (var w in writers.Values) w.Dispose();
    return sw.Elapsed.TotalSeconds;
});

var fileStore = Median(() =>
{
    using var tracker = new MlflowTracker(Path.Combine(root, "mlruns"), quiet);
    var run = tracker.StartRun("bench");
    var sw = Stopwatch.StartNew();
    for (var s = 0; s < Steps; s++) run.LogMetrics(s, StepMetrics(s));
    var t = sw.Elapsed.TotalSeconds;
    run.End();
    return t;
});

using var server = new FakeMlflowServer();
var restOptions = quiet with { FallbackStore = Path.Combine(root, "fallback") };
double restEndToEnd = 0, restCpu = 0;
var restRequests = 0;
var restCaller = Median(() =>
{
    using var tracker = new MlflowTracker(server.Uri, restOptions);
    var run = tracker.StartRun("bench");
    var requestsBefore = server.RequestCount;
    var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
    var sw = Stopwatch.StartNew();
    for (var s = 0; s < Steps; s++) run.LogMetrics(s, StepMetrics(s));
    var caller = sw.Elapsed.TotalSeconds;
    run.End();
    restEndToEnd = sw.Elapsed.TotalSeconds;
    restCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
    restRequests = server.RequestCount - requestsBefore;
    if (run.IsFallback) throw new InvalidOperationException("the in-process server fell back");
    return caller;
});

// Baseline: direct synchronous log-batch calls with full 1000-point batches, no buffering layer.
var restDirect = Median(() =>
{
    using var client = new MlflowRestClient(server.Uri, restOptions);
    var exp = client.GetOrCreateExperiment("bench-direct");
    var run = client.CreateRun(exp, null, FileStore.NowMs(), new Dictionary<string, string>());
    var sw = Stopwatch.StartNew();
    var batch = new List<MetricPoint>(1000);
    for (var s = 0; s < Steps; s++)
    {
        var now = FileStore.NowMs();
        foreach (var (k, v) in StepMetrics(s)) batch.Add(new MetricPoint(k, v, now, s));
        if (batch.Count >= 1000) { client.LogBatch(run.RunId, batch, [], []); batch.Clear(); }
    }
    if (batch.Count > 0) client.LogBatch(run.RunId, batch, [], []);
    return sw.Elapsed.TotalSeconds;
});

string StepShare(double seconds) => $"{seconds / Steps * 1e6,8:F1} µs/step = {seconds / Steps / StepSeconds * 100:F4}% of a {StepSeconds} s step";
Console.WriteLine($"Tracking benchmark: {Points:N0} metric points ({Steps:N0} steps x {PerStep} metrics), median of {Reps} after a warm-up");
Console.WriteLine($"  plain file appends (baseline)   {Points / baselineFile,12:N0} points/s   {StepShare(baselineFile)}");
Console.WriteLine($"  file store (TrackedRun)         {Points / fileStore,12:N0} points/s   {StepShare(fileStore)}   ratio to baseline {fileStore / baselineFile:F2}x time");
Console.WriteLine($"  REST direct log-batch (baseline){Points / restDirect,12:N0} points/s   (synchronous, 1000-point batches)");
Console.WriteLine($"  REST TrackedRun, caller side    {Points / restCaller,12:N0} points/s   {StepShare(restCaller)}");
Console.WriteLine($"  REST TrackedRun, end to end     {Points / restEndToEnd,12:N0} points/s   ratio to direct {restEndToEnd / restDirect:F2}x time, {restRequests} requests");
Console.WriteLine($"  REST all threads' CPU (caller, sender, and the in-process server too) {StepShare(restCpu)}  (an upper bound)");
var goal = Math.Max(fileStore, Math.Max(restCaller, restCpu)) / Steps / StepSeconds * 100 < 1 ? "met" : "NOT met";
Console.WriteLine($"Goal (tracking under 1% of a training step): {goal}");
try { Directory.Delete(root, recursive: true); } catch (IOException) { }
