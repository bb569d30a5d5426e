using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Modeling.Backbone;

/// <summary>
/// One ResNet stage (res2..res5): residual blocks run in order, registered as "0", "1", … like the
/// reference's nn.Sequential, so keys read <c>res2.0.conv1.weight</c>.
/// </summary>
public sealed class ResNetStage : nn.Module<Tensor, Tensor>
{
    private readonly ResNetBlock[] _blocks;

    /// <summary>Wraps the blocks (at least one), first block first.</summary>
    public ResNetStage(IReadOnlyList<ResNetBlock> blocks) : base(nameof(ResNetStage))
    {
        if (blocks.Count == 0) throw new ArgumentException("a stage needs at least one block", nameof(blocks));
        _blocks = blocks.ToArray();
        for (var i = 0; i < _blocks.Length; i++) register_module(i.ToString(System.Globalization.CultureInfo.InvariantCulture), _blocks[i]);
    }

    /// <summary>The blocks, in order.</summary>
    public IReadOnlyList<ResNetBlock> Blocks => _blocks;

    /// <summary>Output channels of the last block.</summary>
    public long OutChannels => _blocks[^1].OutChannels;

    /// <summary>Product of the block strides.</summary>
    public long Stride => _blocks.Aggregate(1L, (s, b) => s * b.Stride);

    /// <summary>(N, C_in, H, W) → (N, C_out, H / stride, W / stride).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = x;
        foreach (var block in _blocks) y = block.call(y);
        return y.MoveToOuterDisposeScope();   // at least one block ran, so y is not the caller's x
    }
}
