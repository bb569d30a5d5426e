using System.Runtime.InteropServices;

namespace Research.Core.Training;

/// <summary>
/// Turns the signals that end a job into a stop request the trainer honours at the next iteration boundary
/// (it then writes a checkpoint of that iteration): SIGINT (Ctrl-C), SIGTERM (<c>timeout</c>, <c>docker stop</c>,
/// Slurm at the time limit or on preemption) and SIGUSR1 (Slurm's <c>--signal</c>). A second signal aborts at
/// once (one within <see cref="DuplicateWindow"/> of the first counts as the same request): <see cref="AbortAction"/> runs (e.g. to mark the tracking run KILLED) and the process ends with the
/// signal's default action. Checkpoints are written to a temporary file and renamed, so an abort during a save
/// loses that checkpoint and keeps the previous one intact. Use: <c>using var stop = new StopSignals();</c>,
/// pass <see cref="Token"/> to <see cref="Trainer.Run"/>, exit with <see cref="ExitCode"/>.
/// </summary>
public sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly TextWriter _output;
    private readonly List<PosixSignalRegistration> _registrations;
    private readonly object _gate = new();
    private string? _received;
    private int _number;
    private long _firstTicks;

    /// <summary>
    /// Signals within this time of the first are the same request delivered twice (GNU <c>timeout</c> signals
    /// the command and then its process group; Slurm may signal the step and the batch shell): they do not abort.
    /// </summary>
    public static readonly TimeSpan DuplicateWindow = TimeSpan.FromSeconds(2);

    /// <summary>SIGUSR1's number on this platform (10 on Linux, 30 on macOS).</summary>
    public static int SigUsr1Number => OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD() ? 30 : 10;

    /// <summary>Registers the handlers; notices go to <paramref name="output"/> (stderr by default).</summary>
    public StopSignals(TextWriter? output = null)
    {
        _output = output ?? Console.Error;
        _registrations = [];
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, c => OnSignal(c, "SIGINT", 2)));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => OnSignal(c, "SIGTERM", 15)));
        if (!OperatingSystem.IsWindows())
            _registrations.Add(PosixSignalRegistration.Create((PosixSignal)SigUsr1Number, c => OnSignal(c, "SIGUSR1", SigUsr1Number)));
    }

    /// <summary>Cancelled at the first signal.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>The first signal received (<c>SIGTERM</c>, ...), or null.</summary>
    public string? Received { get { lock (_gate) return _received; } }

    /// <summary>The exit code of a process stopped by the first signal: 128 + its number (130 SIGINT, 143 SIGTERM, 138 SIGUSR1 on Linux); 0 when none arrived.</summary>
    public int ExitCode { get { lock (_gate) return _number == 0 ? 0 : 128 + _number; } }

    /// <summary>Runs on a second signal, before the process ends (argument: the signal's name). Keep it short and bounded.</summary>
    public Action<string>? AbortAction { get; set; }

    /// <summary>True for the exit codes <see cref="ExitCode"/> gives (a run stopped by a signal).</summary>
    public static bool IsStopExitCode(int code) => code == 130 || code == 143 || code == 128 + SigUsr1Number;

    private void OnSignal(PosixSignalContext context, string name, int number)
    {
        bool first, duplicate;
        lock (_gate)
        {
            first = _received is null;
            if (first) { _received = name; _number = number; _firstTicks = Environment.TickCount64; }
            duplicate = !first && Environment.TickCount64 - _firstTicks < DuplicateWindow.TotalMilliseconds;
        }
        if (first)
        {
            context.Cancel = true;
            _output.WriteLine($"{name}: stopping after this iteration and writing a checkpoint (a second signal aborts at once; the previous checkpoint stays intact).");
            _output.Flush();
            _cts.Cancel();
            return;
        }
        if (duplicate)
        {
            context.Cancel = true; // the same request again: keep stopping cleanly
            return;
        }
        _output.WriteLine($"{name} again: aborting now; a checkpoint being written is discarded, the previous one is intact.");
        _output.Flush();
        try { AbortAction?.Invoke(name); }
        catch (Exception e) { _output.WriteLine($"while aborting: {e.Message}"); }
        context.Cancel = false; // the default action ends the process
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _cts.Dispose();
    }
}
