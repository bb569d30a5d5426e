using System.Globalization;
using System.Text;

namespace Research.Core.Mlflow;

/// <summary>
/// Markdown for run notes (<see cref="TrackedRun.SetNote"/>): a sweep's parent run shows a table of its
/// children with the varied params and their key metrics, each child name linking to its run page in the UI.
/// </summary>
public static class RunNotes
{
    /// <summary>
    /// A markdown table: one row per child (in the given order), columns run name, <paramref name="paramKeys"/>,
    /// then the latest value of each of <paramref name="metricKeys"/> (4 significant digits; "–" when missing).
    /// </summary>
    public static string ChildrenTable(IReadOnlyList<RunRecord> children, IReadOnlyList<string> paramKeys, IReadOnlyList<string> metricKeys)
    {
        var sb = new StringBuilder();
        var columns = new[] { "run" }.Concat(paramKeys).Concat(metricKeys).ToList();
        sb.Append("| ").Append(string.Join(" | ", columns.Select(Cell))).Append(" |\n");
        sb.Append('|').Append(string.Concat(columns.Select((_, i) => i < 1 + paramKeys.Count ? "---|" : "---:|"))).Append('\n');
        foreach (var child in children)
        {
            var cells = new List<string> { $"[{Cell(child.Name ?? child.Info.RunId)}](#/experiments/{child.Info.ExperimentId}/runs/{child.Info.RunId})" };
            cells.AddRange(paramKeys.Select(k => child.Params.TryGetValue(k, out var v) ? Cell(v) : "–"));
            cells.AddRange(metricKeys.Select(k => child.Metrics.TryGetValue(k, out var m) ? m.Value.ToString("G4", CultureInfo.InvariantCulture) : "–"));
            sb.Append("| ").Append(string.Join(" | ", cells)).Append(" |\n");
        }
        return sb.ToString();
    }

    private static string Cell(string text) => text.Replace("|", "\\|").Replace("\n", " ");
}
