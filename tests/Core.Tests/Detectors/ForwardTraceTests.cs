using Research.Core.Detectors;
using Research.Core.Tests.Modeling;
using Research.Core.Data;
using Research.Core.Modeling;
using Research.Core.Modeling.Head;
using Research.Core.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Detectors;

public class ForwardTraceTests
{
    public ForwardTraceTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void TraceReportsEveryStageWithItsShape()
    {
        manual_seed(4);
        using var model = new Defcn(new TinyBackbone(), 3, new HeadOptions(NumConvs: 1));
        using var batch = new ImageBatch(randn(1, 3, 64, 96), new[] { (60, 90) }, new[] { (120, 180) }, new long[] { 7 });
        var text = new StringWriter();
        ForwardTrace.Run(model, batch, text);
        var lines = text.ToString().Split('\n');
        string Line(string stage) => lines.Single(l => l.StartsWith(stage + " "));
        Assert.Contains("(1, 3, 64, 96)", Line("input.images"));
        Assert.Contains("(1, 32, 8, 12)", Line("backbone.p3"));
        Assert.Contains("(1, 32, 1, 1)", Line("backbone.p7"));
        Assert.Contains("(1, 32, 4, 6)", Line("head.max3d.out.p4"));
        Assert.Contains("(1, 1, 2, 3)", Line("head.filter.p5"));
        Assert.Contains("(96, 2)", Line("shifts.p3"));
        Assert.Contains("(1, 129, 3)", Line("flat.logits (N,R,K)"));   // R = 96 + 24 + 6 + 2 + 1
        Assert.Contains("(1, 129, 4)", Line("flat.bbox_reg (N,R,4)"));
        Assert.Contains("(1, 129, 1)", Line("flat.filter (N,R,1)"));
        Assert.Contains(lines, l => l.StartsWith("detections[0]: ") && l.Contains("original 120×180"));
    }
}
