using Research.Core.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Research.Core.Tests.Modeling;

/// <summary>
/// A small stand-in backbone for tests: P3 from an 8×8 stride-8 conv of the image, P4..P7 from 3×3
/// stride-2 convs (padding 1, so sizes are ceil halves as the real P6/P7). C channels, strides 8..128.
/// </summary>
internal sealed class TinyBackbone : Module<Tensor, Tensor[]>, IBackbone
{
    private readonly Conv2d bottom_up;
    private readonly ModuleList<Conv2d> downs;

    public TinyBackbone(int channels = 32) : base(nameof(TinyBackbone))
    {
        bottom_up = Conv2d(3, channels, 8, stride: 8);
        downs = new ModuleList<Conv2d>(Enumerable.Range(0, 4).Select(_ => Conv2d(channels, channels, 3, stride: 2, padding: 1)).ToArray());
        OutputShapes = new[] { 8, 16, 32, 64, 128 }.Select(s => new ShapeSpec(channels, s)).ToArray();
        RegisterComponents();
    }

    public IReadOnlyList<ShapeSpec> OutputShapes { get; }

    public override Tensor[] forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        var levels = new List<Tensor> { bottom_up.forward(images) };
        foreach (var down in downs) levels.Add(down.forward(levels[^1]));
        foreach (var l in levels) l.MoveToOuterDisposeScope();
        return levels.ToArray();
    }
}
