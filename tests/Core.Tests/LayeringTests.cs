using System.Text.RegularExpressions;
using Xunit;

namespace Research.Core.Tests;

/// <summary>
/// The folders of src/Core are layers (README "Layout"): a file may use only its own folder and the folders
/// listed before it, so primitives never reach up into detectors, and metrics never into models.
/// </summary>
public class LayeringTests
{
    /// <summary>The layers, lowest first.</summary>
    public static readonly string[] Order =
    {
        "Runtime", "Data", "Dense", "Modeling", "Assignment", "Losses", "Inference", "Detectors",
        "Evaluation", "Mlflow", "Visualization", "Training", "SingleObjectTracking", "Prediction", "Export",
    };

    private static string CoreRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Research.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        return Path.Combine(dir!.FullName, "src", "Core");
    }

    /// <summary>Every `using Research.X` of the C# files under <paramref name="root"/> that breaks the order, as "file: using".</summary>
    public static List<string> Violations(string root, IReadOnlyList<string> order)
    {
        var rank = order.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i);
        var problems = new List<string>();
        var usingLine = new Regex(@"^\s*(?:global\s+)?using\s+(?:static\s+)?Research\.([A-Za-z]+)(?:\.([A-Za-z]+))?", RegexOptions.Multiline);
        foreach (var file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (rel.StartsWith("bin/") || rel.StartsWith("obj/")) continue;
            var folder = rel.Contains('/') ? rel[..rel.IndexOf('/')] : "";
            if (!rank.TryGetValue(folder, out var own))
            {
                problems.Add($"{rel}: folder '{folder}' is not in the layer order");
                continue;
            }
            foreach (Match m in usingLine.Matches(File.ReadAllText(file)))
            {
                if (m.Groups[1].Value != "Core") { problems.Add($"{rel}: uses Research.{m.Groups[1].Value} (Core references no other project)"); continue; }
                var target = m.Groups[2].Value;
                if (!rank.TryGetValue(target, out var other)) problems.Add($"{rel}: uses Research.Core.{target}, which is not a layer");
                else if (other > own) problems.Add($"{rel}: {folder} uses {target}, a layer above it");
            }
        }
        return problems;
    }

    [Fact]
    public void NoFolderOfTheCoreUsesOneAboveIt()
    {
        var problems = Violations(CoreRoot(), Order);
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void EveryLayerExists()
    {
        var root = CoreRoot();
        Assert.All(Order.Where(l => l != "Export"), l => Assert.True(Directory.Exists(Path.Combine(root, l)), $"src/Core/{l} is missing"));
    }

    [Fact]
    public void TheCheckFindsAnUpwardUse()
    {
        var dir = Path.Combine(Path.GetTempPath(), "research-layering", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(dir, "Dense"));
        Directory.CreateDirectory(Path.Combine(dir, "Stray"));
        try
        {
            File.WriteAllText(Path.Combine(dir, "Dense", "A.cs"), "using Research.Core.Runtime;\nusing Research.Core.Detectors;\nnamespace X;\n");
            File.WriteAllText(Path.Combine(dir, "Stray", "B.cs"), "namespace Y;\n");
            var problems = Violations(dir, Order);
            Assert.Equal(2, problems.Count);
            Assert.Contains(problems, p => p.Contains("Dense uses Detectors"));
            Assert.Contains(problems, p => p.Contains("'Stray' is not in the layer order"));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
