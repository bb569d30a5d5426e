using Research.Core.Data;
using Research.Core.Data.Crops;
using Research.Core.SingleObjectTracking;
using Xunit;

namespace Research.Core.Tests.SingleObjectTracking;

public class GroundTruthFileTests
{
    [Fact]
    public void ParsesCommasTabsAndSpacesAndIgnoresTrailingBlankLines()
    {
        var boxes = GroundTruthFile.Parse(new[] { "1,2,3,4", "5\t6\t7\t8", " 9 10  11 12 ", "1.5, 2.5, 3.25, 4e1", "", "  " }, "gt.txt");
        Assert.Equal(new[]
        {
            new BoxXyxy(1, 2, 4, 6), new BoxXyxy(5, 6, 12, 14), new BoxXyxy(9, 10, 20, 22), new BoxXyxy(1.5, 2.5, 4.75, 42.5),
        }, boxes);
    }

    [Theory]
    [InlineData(new[] { "1,2,3,4", "1,2,3" }, "gt.txt:2: expected 4 values")]
    [InlineData(new[] { "1,2,3,4", "", "1,2,3,4" }, "gt.txt:2: empty line")]
    [InlineData(new[] { "1,2,3,x" }, "gt.txt:1: value 4 'x' is not a finite number")]
    [InlineData(new[] { "1,2,3,4", "1,2,NaN,4" }, "gt.txt:2: value 3 'NaN'")]
    [InlineData(new[] { "1,2,3,4", "1,2,3,4", "1,2,0,4" }, "gt.txt:3: box width and height must be > 0")]
    [InlineData(new[] { "1,2,3,4,5,6,7,8" }, "gt.txt:1: 8 values (a VOT polygon?)")]
    public void MalformedLinesNameTheFileAndLine(string[] lines, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => GroundTruthFile.Parse(lines, "gt.txt"));
        Assert.StartsWith(expected, e.Message);
    }

    [Fact]
    public void WriteThenReadGivesTheSameBoxes()
    {
        using var dir = new TempDir();
        var boxes = new[] { BoxXyxy.FromXywh(0.1, 0.2, 10.3, 20.7), BoxXyxy.FromXywh(100, 50, 1e-3, 3) };
        var path = dir.Sub("groundtruth.txt");
        GroundTruthFile.Write(path, boxes);
        var first = File.ReadAllLines(path)[0].Split(',');
        Assert.Equal(new[] { "0.1", "0.2" }, first[..2]);
        Assert.Equal(10.3, double.Parse(first[2], System.Globalization.CultureInfo.InvariantCulture), 12);
        var back = GroundTruthFile.Read(path);
        for (var i = 0; i < boxes.Length; i++)
        {
            Assert.Equal(boxes[i].X1, back[i].X1);
            Assert.Equal(boxes[i].Y1, back[i].Y1);
            Assert.Equal(boxes[i].X2, back[i].X2, 12);
            Assert.Equal(boxes[i].Y2, back[i].Y2, 12);
        }
        Assert.Throws<FileNotFoundException>(() => GroundTruthFile.Read(dir.Sub("absent.txt")));
    }
}
