using Research.Core.Mlflow;
using Xunit;

namespace Research.Core.Tests.Mlflow;

/// <summary>The meta.yaml writer quotes every string YAML could read as another type; the reader reads what MLflow writes.</summary>
public class MetaYamlTests
{
    [Theory]
    [InlineData("0.5", "'0.5'")]
    [InlineData("true", "'true'")]
    [InlineData("null", "'null'")]
    [InlineData("2024", "'2024'")]
    [InlineData("it's", "'it''s'")]
    [InlineData("a: b #c", "'a: b #c'")]
    [InlineData("two\nlines", "\"two\\nlines\"")]
    [InlineData("tab\there", "\"tab\\there\"")]
    [InlineData("ünïcode ✓", "'ünïcode ✓'")]
    [InlineData("", "''")]
    public void StringsAreQuotedAndRoundTrip(string value, string expected)
    {
        Assert.Equal(expected, MetaYaml.Quote(value));
        Assert.Equal(value, MetaYaml.Read($"k: {MetaYaml.Quote(value)}\n")["k"]);
    }

    [Fact]
    public void WritesTypedValues()
    {
        var text = MetaYaml.Write([new("end_time", null), new("status", 3L), new("name", "x"), new("tags", MetaYaml.EmptyCollection.Instance)]);
        Assert.Equal("end_time: null\nstatus: 3\nname: 'x'\ntags: []\n", text);
    }

    [Fact]
    public void ReadsPlainScalarsCommentsCrlfAndFoldedLines()
    {
        var meta = MetaYaml.Read("# comment\r\nname: exp-a\r\nstatus: 3.0\r\nend_time: ~\r\nid: '0'\r\nlong: 'first\r\n  second'\r\ntags: {}\r\n");
        Assert.Equal("exp-a", meta["name"]);
        Assert.Equal(3.0, meta["status"]);
        Assert.Null(meta["end_time"]);
        Assert.Equal("0", meta["id"]);
        Assert.Equal("first second", meta["long"]);
        Assert.IsType<MetaYaml.EmptyCollection>(meta["tags"]);
        Assert.Equal(1700000000000L, MetaYaml.Read("start_time: 1700000000000")["start_time"]);
    }

    [Theory]
    [InlineData("run_name: a: b")]
    [InlineData("name: 'open")]
    [InlineData("  indented: 1")]
    [InlineData("a: 1\na: 2")]
    public void MalformedYamlIsRefusedWithItsLine(string text) => Assert.Throws<FormatException>(() => MetaYaml.Read(text));
}
