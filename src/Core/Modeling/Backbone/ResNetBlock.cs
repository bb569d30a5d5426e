using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Modeling.Backbone;

/// <summary>
/// What every residual block tells its stage: channels in and out and its stride (cvpods modeling/backbone/resnet.py l.39-58, ResNetBlockBase).
/// </summary>
public abstract class ResNetBlock : nn.Module<Tensor, Tensor>
{
    /// <summary>Records the block's geometry.</summary>
    protected ResNetBlock(string name, long inChannels, long outChannels, long stride) : base(name)
    {
        InChannels = inChannels;
        OutChannels = outChannels;
        Stride = stride;
    }

    /// <summary>Input channels.</summary>
    public long InChannels { get; }

    /// <summary>Output channels.</summary>
    public long OutChannels { get; }

    /// <summary>Spatial stride of the block (1 or 2).</summary>
    public long Stride { get; }

    /// <summary>
    /// Stops training of every parameter of the block (cvpods ResNetBlockBase.freeze). The BN → FrozenBN
    /// conversion the reference does at the same time happens when the block is built with frozen norms.
    /// </summary>
    public void Freeze()
    {
        foreach (var p in parameters()) p.requires_grad = false;
    }
}
