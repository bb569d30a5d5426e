using System.Diagnostics;

namespace Research.Core.Mlflow;

/// <summary>
/// MLflow's system tags (the UI reads them: run name, user, source, git commit, parent of a nested run, the
/// run's note) and the standard set a new run gets.
/// </summary>
public static class SystemTags
{
    /// <summary>The run name (kept equal to the run's <c>run_name</c>).</summary>
    public const string RunName = "mlflow.runName";
    /// <summary>Who started the run.</summary>
    public const string User = "mlflow.user";
    /// <summary>The entry point (script or program) that started the run.</summary>
    public const string SourceName = "mlflow.source.name";
    /// <summary>The kind of source; <c>LOCAL</c> here.</summary>
    public const string SourceType = "mlflow.source.type";
    /// <summary>The git commit of the source tree, when it is a git repository.</summary>
    public const string GitCommit = "mlflow.source.git.commit";
    /// <summary>The parent run of a nested run (sweeps).</summary>
    public const string ParentRunId = "mlflow.parentRunId";
    /// <summary>The run's description, markdown, shown in the UI.</summary>
    public const string Note = "mlflow.note.content";

    /// <summary>
    /// The tags a new run gets: run name, user, source name and type, git commit (when
    /// <paramref name="sourceDirectory"/>, default the current folder, is inside a git work tree) and, for a
    /// child, <c>mlflow.parentRunId</c>.
    /// </summary>
    public static Dictionary<string, string> Standard(string runName, string? parentRunId, string? sourceName = null, string? sourceDirectory = null)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [RunName] = runName,
            [User] = Environment.UserName,
            [SourceName] = sourceName ?? DefaultSourceName(),
            [SourceType] = "LOCAL",
        };
        if (GitCommitOf(sourceDirectory ?? Environment.CurrentDirectory) is { } commit) tags[GitCommit] = commit;
        if (parentRunId is not null) tags[ParentRunId] = parentRunId;
        return tags;
    }

    /// <summary>The command line's script or program: the first <c>.fsx</c>/<c>.dll</c> argument, else the process path.</summary>
    public static string DefaultSourceName()
    {
        var args = Environment.GetCommandLineArgs();
        var script = args.Skip(1).FirstOrDefault(a => a.EndsWith(".fsx", StringComparison.OrdinalIgnoreCase));
        return script ?? (args.Length > 0 ? args[0] : Environment.ProcessPath ?? "unknown");
    }

    /// <summary>The HEAD commit of the git work tree containing <paramref name="directory"/>, or null (no git, not a repository).</summary>
    public static string? GitCommitOf(string directory)
    {
        try
        {
            var psi = new ProcessStartInfo("git", ["-C", directory, "rev-parse", "HEAD"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var p = Process.Start(psi);
            if (p is null) return null;
            var output = p.StandardOutput.ReadToEnd().Trim();
            if (!p.WaitForExit(5000)) { p.Kill(); return null; }
            return p.ExitCode == 0 && output.Length == 40 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // git not installed
        }
    }
}
