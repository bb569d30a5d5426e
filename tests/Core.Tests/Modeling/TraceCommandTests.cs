using Research.Core.Modeling;
using Research.Core.Runtime;
using Xunit;

namespace Research.Core.Tests.Modeling;

public class TraceCommandTests
{
    public TraceCommandTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void NoArgumentsGiveTheReferenceSettings()
    {
        var s = TraceCommand.ParseArguments(Array.Empty<string>());
        Assert.Equal(80, s.NumClasses);
        Assert.Equal(50, s.BackboneDepth);
        Assert.Equal(4, s.HeadOrDefault.NumConvs);
        Assert.Equal((true, 3, 2, true), (s.FilterOrDefault.Enabled, s.FilterOrDefault.KernelSize, s.FilterOrDefault.Tau, s.FilterOrDefault.UseNorm));
        Assert.Equal((0.05, 1000, 1.0, 100), (s.TestOrDefault.ScoreThresh, s.TestOrDefault.TopkCandidates, s.TestOrDefault.NmsThresh, s.TestOrDefault.DetectionsPerImage));
    }

    [Fact]
    public void OverridesUseTheConfigNames()
    {
        var s = TraceCommand.ParseArguments(new[] { "model.filter.tau=4", "input.size=160x96", "model.test.nms_thresh=0.6", "model.filter.enabled=false", "seed=3" });
        Assert.Equal(4, s.FilterOrDefault.Tau);
        Assert.False(s.FilterOrDefault.Enabled);
        Assert.Equal((160, 96), (s.Height, s.Width));
        Assert.Equal(0.6, s.TestOrDefault.NmsThresh);
        Assert.Equal(3, s.Seed);
    }

    [Theory]
    [InlineData("model.filter.tau=two", "model.filter.tau: 'two' is not an integer")]
    [InlineData("model.fliter.tau=2", "unknown override key 'model.fliter.tau'")]
    [InlineData("input.size=160", "input.size: '160' is not HEIGHTxWIDTH")]
    [InlineData("tau", "'tau' is not key=value")]
    [InlineData("exp.yaml", "exp.yaml: config files are not read by trace yet")]
    public void BadArgumentsAreNamed(string arg, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => TraceCommand.ParseArguments(new[] { arg }));
        Assert.Contains(message, e.Message);
        var err = new StringWriter();
        Assert.Equal(2, TraceCommand.Run(new[] { arg }, new StringWriter(), err, _ => new TinyBackbone()));
        Assert.Contains(message, err.ToString());
    }

    [Fact]
    public void RunTracesOneImage()
    {
        var output = new StringWriter();
        var code = TraceCommand.Run(new[] { "input.size=60x90", "model.num_classes=3", "model.head.num_convs=1", "model.filter.tau=0" },
            output, new StringWriter(), _ => new TinyBackbone());
        Assert.Equal(0, code);
        var text = output.ToString();
        Assert.Contains("head.max3d.out.p3", text);
        Assert.Contains("(1, 3, 64, 96)", text);    // padded to a multiple of 32
        Assert.Contains("detections[0]:", text);
    }
}
