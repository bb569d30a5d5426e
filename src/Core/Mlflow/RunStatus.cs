namespace Research.Core.Mlflow;

/// <summary>
/// An MLflow run's status. The numbers are the ones the file store writes in a run's <c>meta.yaml</c>
/// (an int, never a string: a string there makes the MLflow server fail), the names are the REST spelling.
/// </summary>
public enum RunStatus
{
    /// <summary>The run is in progress (<c>RUNNING</c>, 1).</summary>
    Running = 1,
    /// <summary>Scheduled but not started (<c>SCHEDULED</c>, 2); never written by this library.</summary>
    Scheduled = 2,
    /// <summary>Ended normally (<c>FINISHED</c>, 3).</summary>
    Finished = 3,
    /// <summary>Ended by an error (<c>FAILED</c>, 4).</summary>
    Failed = 4,
    /// <summary>Ended by the user, e.g. Ctrl-C or a scheduler's SIGTERM (<c>KILLED</c>, 5).</summary>
    Killed = 5,
}

/// <summary>Conversions between <see cref="RunStatus"/> and MLflow's REST names.</summary>
public static class RunStatusNames
{
    /// <summary>The REST name of a status (<c>RUNNING</c>, <c>FINISHED</c>, ...).</summary>
    public static string ToMlflowName(this RunStatus status) => status switch
    {
        RunStatus.Running => "RUNNING",
        RunStatus.Scheduled => "SCHEDULED",
        RunStatus.Finished => "FINISHED",
        RunStatus.Failed => "FAILED",
        RunStatus.Killed => "KILLED",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "not an MLflow run status"),
    };

    /// <summary>Parses a REST status name; the error names the value.</summary>
    public static RunStatus Parse(string name) => name switch
    {
        "RUNNING" => RunStatus.Running,
        "SCHEDULED" => RunStatus.Scheduled,
        "FINISHED" => RunStatus.Finished,
        "FAILED" => RunStatus.Failed,
        "KILLED" => RunStatus.Killed,
        _ => throw new TrackingException($"Unknown MLflow run status '{name}' (expected RUNNING, SCHEDULED, FINISHED, FAILED or KILLED)."),
    };

    /// <summary>True for FINISHED, FAILED and KILLED.</summary>
    public static bool IsTerminal(this RunStatus status) => status is RunStatus.Finished or RunStatus.Failed or RunStatus.Killed;
}
