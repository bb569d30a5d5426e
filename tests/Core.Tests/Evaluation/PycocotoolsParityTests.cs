using System.Text.Json;
using Research.Core.Evaluation;
using Xunit;

namespace Research.Core.Tests.Evaluation;

/// <summary>
/// Known answers from pycocotools COCOeval (Fixtures/evaluation/generate_fixtures.py): the same files must give
/// the same 12 stats, per-category AP and recall array. Compared for exact equality: the implementation follows
/// numpy's order of operations, so it is bit-identical, not just within 1e-12.
/// </summary>
public sealed class PycocotoolsParityTests
{
    public static TheoryData<string> Cases => new()
    {
        "crowd", "area_ranges", "ties", "many_dets", "absent_categories", "recall_edges", "random_mix",
    };

    internal static string CaseDir(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "evaluation", name);

    [Theory]
    [MemberData(nameof(Cases))]
    public void StatsEqualPycocotoolsExactly(string name)
    {
        var dir = CaseDir(name);
        var result = CocoEvaluator.EvaluateFiles(Path.Combine(dir, "gt.json"), Path.Combine(dir, "dets.json"));
        using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "expected.json")));
        var stats = expected.RootElement.GetProperty("stats").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(12, stats.Length);
        for (var i = 0; i < 12; i++)
            Assert.True(stats[i] == result.Stats[i], $"{name}: stat {i} ({CocoEvalResult.StatNames[i]}) expected {stats[i]:R}, got {result.Stats[i]:R}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void PerCategoryApAndRecallEqualPycocotoolsExactly(string name)
    {
        var dir = CaseDir(name);
        var result = CocoEvaluator.EvaluateFiles(Path.Combine(dir, "gt.json"), Path.Combine(dir, "dets.json"));
        using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "expected.json")));
        var perCategory = expected.RootElement.GetProperty("per_category_ap").EnumerateObject()
            .ToDictionary(p => long.Parse(p.Name), p => p.Value.GetDouble());
        Assert.Equal(perCategory.Keys.Order(), result.CategoryIds);
        foreach (var (id, ap) in perCategory)
            Assert.True(ap == result.PerCategoryAp[id], $"{name}: category {id} AP expected {ap:R}, got {result.PerCategoryAp[id]:R}");

        var recall = expected.RootElement.GetProperty("recall");
        var t = 0;
        foreach (var perT in recall.EnumerateArray())
        {
            var k = 0;
            foreach (var perK in perT.EnumerateArray())
            {
                var a = 0;
                foreach (var perA in perK.EnumerateArray())
                {
                    var m = 0;
                    foreach (var v in perA.EnumerateArray())
                    {
                        Assert.True(v.GetDouble() == result.Recall(t, k, a, m), $"{name}: recall[{t},{k},{a},{m}] expected {v.GetDouble():R}, got {result.Recall(t, k, a, m):R}");
                        m++;
                    }
                    a++;
                }
                k++;
            }
            t++;
        }
        Assert.Equal(10, t);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ResultsDoNotDependOnParallelismOrInputPath(string name)
    {
        var dir = CaseDir(name);
        var gt = CocoGroundTruth.Load(Path.Combine(dir, "gt.json"));
        var dets = CocoDetections.Load(Path.Combine(dir, "dets.json"));
        var serial = CocoEvaluator.Evaluate(gt, dets, maxDegreeOfParallelism: 1);
        var parallel = CocoEvaluator.Evaluate(gt, dets, maxDegreeOfParallelism: 4);
        // In memory after a Save/Load round trip: the same doubles, the same answer.
        var roundTrip = Path.Combine(Path.GetTempPath(), $"coco-{name}-{Environment.ProcessId}.json");
        try
        {
            CocoDetections.Save(roundTrip, dets);
            var reloaded = CocoEvaluator.Evaluate(gt, CocoDetections.Load(roundTrip));
            Assert.Equal(serial.ToJson(), reloaded.ToJson());
        }
        finally
        {
            File.Delete(roundTrip);
        }
        Assert.Equal(serial.ToJson(), parallel.ToJson());
        for (var t = 0; t < 10; t++)
            for (var r = 0; r < 101; r++)
                for (var k = 0; k < serial.CategoryIds.Count; k++)
                    for (var a = 0; a < 4; a++)
                        for (var m = 0; m < 3; m++)
                            Assert.Equal(serial.Precision(t, r, k, a, m), parallel.Precision(t, r, k, a, m));
    }
}
