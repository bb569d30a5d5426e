using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Modeling;

/// <summary>
/// A feature extractor for a dense detector: images (N, 3, H, W) → feature maps, finest first
/// (for DeFCN: P3..P7, each (N, C, H_l, W_l)). The module's forward is <c>Module&lt;Tensor, Tensor[]&gt;</c>.
/// </summary>
public interface IBackbone
{
    /// <summary>Channels and stride of each output map, in output order.</summary>
    IReadOnlyList<ShapeSpec> OutputShapes { get; }
}
