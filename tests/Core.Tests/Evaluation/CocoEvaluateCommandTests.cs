using System.Text.Json;
using Research.Core.Evaluation;
using Xunit;

namespace Research.Core.Tests.Evaluation;

/// <summary>The command behind scripts/evaluate.fsx: outputs and exit codes.</summary>
public sealed class CocoEvaluateCommandTests
{
    private static readonly string Gt = Path.Combine(PycocotoolsParityTests.CaseDir("absent_categories"), "gt.json");
    private static readonly string Dets = Path.Combine(PycocotoolsParityTests.CaseDir("absent_categories"), "dets.json");

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var code = CocoEvaluateCommand.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void TablePrintsTheTwelveStats()
    {
        var (code, output, err) = Run(Gt, Dets);
        Assert.Equal(0, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(13, lines.Length);
        Assert.Equal("COCO bbox evaluation: 4 images, 4 categories, 4 detections evaluated", lines[0]);
        Assert.EndsWith("= 0.450", lines[1]);            // AP of the fixture (pycocotools: 0.45)
        // The fixture has a detection of category 7, which is not in the GT file: a warning, as pycocotools drops it silently.
        Assert.Contains("1 detections have a category_id not in", err);
    }

    [Fact]
    public void JsonPrintsOneObjectWithStatsAndPerCategoryAp()
    {
        var (code, output, _) = Run(Gt, Dets, "--json");
        Assert.Equal(0, code);
        Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using var doc = JsonDocument.Parse(output);
        var expected = CocoEvaluator.EvaluateFiles(Gt, Dets);
        Assert.Equal(expected.Stats, doc.RootElement.GetProperty("stats").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal(-1.0, doc.RootElement.GetProperty("per_category_ap").GetProperty("5").GetDouble());
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("--")]
    public void HelpGoesToStdoutWithCodeZero(string first)
    {
        var (code, output, _) = Run(first, "--help");
        Assert.Equal(0, code);
        Assert.StartsWith("usage: dotnet fsi scripts/evaluate.fsx GT.json DETS.json [--json]", output);
    }

    [Fact]
    public void BadArgumentsAndFilesExitWithTwoAndOneErrorLine()
    {
        Assert.Equal(2, Run().Code);
        var (code, _, err) = Run(Gt);
        Assert.Equal(2, code);
        Assert.StartsWith("error: expected 2 files (GT.json DETS.json), got 1", err);
        (code, _, err) = Run(Gt, Dets, "--csv");
        Assert.Equal(2, code);
        Assert.StartsWith("error: unknown option '--csv'", err);
        (code, _, err) = Run(Gt, "/does/not/exist.json");
        Assert.Equal(2, code);
        Assert.StartsWith("error: detections file '/does/not/exist.json' does not exist", err);
        (code, _, err) = Run(Dets, Gt); // swapped
        Assert.Equal(2, code);
        Assert.StartsWith($"error: {Dets}: top level: expected a COCO instances object", err);
    }
}
