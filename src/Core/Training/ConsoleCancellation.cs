namespace Research.Core.Training;

/// <summary>
/// Turns the first Ctrl-C into a cancellation request (the trainer finishes the current iteration, writes a
/// checkpoint and returns); a second Ctrl-C terminates the process as usual. Dispose to unhook.
/// </summary>
public sealed class ConsoleCancellation : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly TextWriter _output;

    /// <summary>Hooks <see cref="Console.CancelKeyPress"/>; the notice goes to <paramref name="output"/> (stderr by default).</summary>
    public ConsoleCancellation(TextWriter? output = null)
    {
        _output = output ?? Console.Error;
        Console.CancelKeyPress += OnCancel;
    }

    /// <summary>Cancelled at the first Ctrl-C.</summary>
    public CancellationToken Token => _cts.Token;

    private void OnCancel(object? sender, ConsoleCancelEventArgs e)
    {
        if (_cts.IsCancellationRequested) return; // second press: let the runtime end the process
        e.Cancel = true;
        _output.WriteLine("Ctrl-C: stopping after this iteration and writing a checkpoint (press Ctrl-C again to abort at once).");
        _cts.Cancel();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancel;
        _cts.Dispose();
    }
}
