using System.Text;
using Research.Core.Mlflow;
using Xunit;

namespace Research.Core.Tests.Mlflow;

/// <summary>Metric lines in MLflow's format, and the page-safe layout that keeps a file valid when a write is cut short.</summary>
public class MetricFileTests
{
    [Theory]
    [InlineData(1.0, "1.0")]
    [InlineData(0.5, "0.5")]
    [InlineData(1e308, "1e+308")]
    [InlineData(1e-5, "1e-05")]
    [InlineData(1e16, "1e+16")]
    [InlineData(123456789.0, "123456789.0")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.0, "0.0")]
    [InlineData(-0.0, "-0.0")]
    [InlineData(0.1 + 0.2, "0.30000000000000004")]
    [InlineData(1.2345678901234568e+17, "1.2345678901234568e+17")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(double.NaN, "nan")]
    [InlineData(double.PositiveInfinity, "inf")]
    [InlineData(double.NegativeInfinity, "-inf")]
    public void ValuesArePythonFloatText(double value, string text) => Assert.Equal(text, MetricFile.FormatValue(value));

    [Fact]
    public void ParsesLinesLikeMlflow()
    {
        var points = MetricFile.Parse(" 1700000001000 0.5 0 \r\n1700000004000 1e-3\n+1700000005000 -inf -2\n", "m", "f");
        Assert.Equal([new MetricPoint("m", 0.5, 1700000001000, 0), new MetricPoint("m", 1e-3, 1700000004000, 0), new MetricPoint("m", double.NegativeInfinity, 1700000005000, -2)], points);
    }

    [Theory]
    [InlineData("1700000001000 0.5  3", "4 fields")]
    [InlineData("", "No data found")]
    [InlineData("1700000001000.0 0.5 1", "malformed")]
    [InlineData("1700000001000 abc 1", "malformed")]
    [InlineData("1700000001000 0.5 1\n\n1700000001000 0.5 2", "1 fields")]
    [InlineData("1700000001000 0.5 1\n   ", "1 fields")]
    public void MalformedFilesAreRefusedNamingTheMetric(string text, string detail)
    {
        var e = Assert.Throws<TrackingException>(() => MetricFile.Parse(text, "loss", "/x/metrics/loss"));
        Assert.Contains("Metric 'loss' is malformed", e.Message);
        Assert.Contains(detail, e.Message);
    }

    [Fact]
    public void EveryPrefixCutAtAPageBoundaryIsAValidFile()
    {
        // Linux cuts a write short on SIGKILL only between pages; the layout pads so each cut ends in whole lines.
        var random = new Random(11);
        var points = Enumerable.Range(0, 3000).Select(i => new MetricPoint(
            "m", random.Next(3) switch { 0 => random.NextDouble(), 1 => random.NextDouble() * 1e-9, _ => double.NaN },
            1700000000000 + i, i * (random.Next(2) == 0 ? 1 : 1000))).ToList();
        var file = new List<byte>();
        for (var i = 0; i < points.Count;)
        {
            var n = Math.Min(points.Count - i, random.Next(1, 60));
            file.AddRange(MetricFile.Layout(points.Skip(i).Take(n).ToList(), file.Count, separateFirst: file.Count > 0));
            i += n;
        }
        var all = MetricFile.Parse(Encoding.ASCII.GetString(file.ToArray()), "m", "f");
        Assert.Equal(points.Select(p => (p.TimestampMs, p.Step)), all.Select(p => (p.TimestampMs, p.Step)));
        var pages = 0;
        for (var cut = 4096; cut < file.Count; cut += 4096, pages++)
        {
            var prefix = MetricFile.Parse(Encoding.ASCII.GetString(file.GetRange(0, cut).ToArray()), "m", "f");
            Assert.Equal(points.Take(prefix.Count).Select(p => (p.TimestampMs, p.Step)), prefix.Select(p => (p.TimestampMs, p.Step)));
            Assert.NotEqual(' ', (char)file[cut]); // the next page starts with the "\n" of a new line
        }
        Assert.True(pages > 15);
    }

    [Fact]
    public void WriterAppendsAcrossCallsAndReopens()
    {
        using var tmp = new TempStore();
        var path = Path.Combine(tmp.Path, "metrics", "loss");
        using (var f = new MetricFile(path, tmp.Path))
        {
            f.Append([new MetricPoint("loss", 0.5, 1000, 0)]);
            f.Append([new MetricPoint("loss", 0.25, 2000, 1), new MetricPoint("loss", 2, 3000, 2)]);
        }
        using (var f = new MetricFile(path, tmp.Path)) f.Append([new MetricPoint("loss", 1e-7, 4000, 3)]);
        Assert.Equal("1000 0.5 0\n2000 0.25 1\n3000 2.0 2\n4000 1e-07 3\n", File.ReadAllText(path)); // terminated once closed, as MLflow writes
    }
}
