using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Research.Core.Training;

/// <summary>One view of training progress: window means of the loss terms, lr, speed and ETA.</summary>
internal sealed record ProgressSnapshot(long Completed, long MaxIter, IReadOnlyDictionary<string, double> Losses, double TotalLoss,
    double Lr, double ItersPerSecond, TimeSpan Eta);

/// <summary>Receives progress from the training loop.</summary>
internal interface IProgressView
{
    void Update(ProgressSnapshot snapshot);
    void Message(string text);
}

/// <summary>
/// Chooses and runs the progress view: a Spectre.Console live table when the console is interactive and
/// output is not redirected, plain lines every N iterations otherwise (CI logs stay readable).
/// The training loop runs inside <see cref="Run"/> on the calling thread (Spectre's live display only
/// renders from it), so torch work stays on one thread.
/// </summary>
internal static class ProgressDisplay
{
    public static void Run(LoggingOptions logging, Action<IProgressView> body)
    {
        var mode = logging.Progress;
        if (mode == ProgressMode.Auto)
            mode = logging.Output == null && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive
                ? ProgressMode.Live : ProgressMode.Lines;
        var output = logging.Output ?? Console.Out;
        switch (mode)
        {
            case ProgressMode.Live:
                var live = new LiveView();
                AnsiConsole.Live(live.Render()).AutoClear(false).Overflow(VerticalOverflow.Ellipsis)
                    .Start(ctx => { live.Attach(ctx); body(live); live.Flush(); });
                break;
            case ProgressMode.Lines:
                body(new LineView(output, logging.PrintPeriod, quiet: false));
                break;
            default:
                body(new LineView(output, logging.PrintPeriod, quiet: true));
                break;
        }
    }

    internal static string FormatEta(TimeSpan eta) =>
        eta.TotalDays >= 1 ? $"{(int)eta.TotalDays}d {eta:hh\\:mm\\:ss}" : eta.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture);

    internal static string Format(double v) => Math.Abs(v) >= 1e-3 || v == 0
        ? v.ToString("0.0000", CultureInfo.InvariantCulture) : v.ToString("0.000e+0", CultureInfo.InvariantCulture);

    /// <summary>Plain lines: "iter 20/100  total_loss 1.2345  loss_cls 0.8000 ...  lr 0.0100  3.10 it/s  eta 0:00:25".</summary>
    private sealed class LineView(TextWriter output, long period, bool quiet) : IProgressView
    {
        public void Update(ProgressSnapshot s)
        {
            if (quiet || (s.Completed % period != 0 && s.Completed != s.MaxIter)) return;
            var terms = string.Join("  ", s.Losses.Select(kv => $"{kv.Key} {Format(kv.Value)}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"iter {s.Completed}/{s.MaxIter}  total_loss {Format(s.TotalLoss)}  {terms}  lr {Format(s.Lr)}  {s.ItersPerSecond:0.00} it/s  eta {FormatEta(s.Eta)}"));
            output.Flush();
        }

        public void Message(string text)
        {
            output.WriteLine(text);
            output.Flush();
        }
    }

    /// <summary>A live table redrawn at most four times a second.</summary>
    private sealed class LiveView : IProgressView
    {
        private LiveDisplayContext? _ctx;
        private ProgressSnapshot? _last;
        private readonly List<string> _messages = new();
        private DateTime _lastRefresh = DateTime.MinValue;

        public void Attach(LiveDisplayContext ctx) => _ctx = ctx;

        public void Update(ProgressSnapshot s)
        {
            _last = s;
            if ((DateTime.UtcNow - _lastRefresh).TotalMilliseconds < 250 && s.Completed != s.MaxIter) return;
            Flush();
        }

        public void Message(string text)
        {
            _messages.Add(text);
            if (_messages.Count > 5) _messages.RemoveAt(0);
            Flush();
        }

        public void Flush()
        {
            if (_ctx == null) return;
            _ctx.UpdateTarget(Render());
            _ctx.Refresh();
            _lastRefresh = DateTime.UtcNow;
        }

        public IRenderable Render()
        {
            var table = new Table().Border(TableBorder.Rounded).AddColumn("training").AddColumn(new TableColumn("value").RightAligned());
            if (_last is { } s)
            {
                var frac = s.MaxIter > 0 ? (double)s.Completed / s.MaxIter : 0;
                table.AddRow("iteration", $"{s.Completed}/{s.MaxIter} ({frac:P1})");
                table.AddRow("total_loss", Format(s.TotalLoss));
                foreach (var (k, v) in s.Losses) table.AddRow(Markup.Escape(k), Format(v));
                table.AddRow("lr", Format(s.Lr));
                table.AddRow("speed", string.Create(CultureInfo.InvariantCulture, $"{s.ItersPerSecond:0.00} it/s"));
                table.AddRow("eta", FormatEta(s.Eta));
            }
            else
            {
                table.AddRow("iteration", "starting…");
            }
            if (_messages.Count == 0) return table;
            return new Rows(table, new Markup("[yellow]" + Markup.Escape(string.Join("\n", _messages)) + "[/]"));
        }
    }
}
