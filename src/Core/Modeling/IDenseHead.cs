using Research.Core.Dense;
using static TorchSharp.torch;

namespace Research.Core.Modeling;

/// <summary>
/// A dense detection head: per-level features in, per-level predictions out (<see cref="HeadOutputs"/>). The
/// module itself is a <c>Module&lt;Tensor[], HeadOutputs&gt;</c>; this interface adds what a detector needs beyond it.
/// </summary>
public interface IDenseHead
{
    /// <summary>Number of classes K.</summary>
    int NumClasses { get; }

    /// <summary>
    /// features: L maps (N, C, H_l, W_l), finest first → per-level logits (N, K, H_l, W_l), box regression
    /// (N, 4, H_l, W_l) and optional quality logits (N, 1, H_l, W_l); stages are reported to <paramref name="probe"/>.
    /// </summary>
    HeadOutputs Forward(IReadOnlyList<Tensor> features, StageProbe? probe);

    /// <summary>Name of level l after its stride, "p3" for stride 8.</summary>
    string LevelName(int level);
}
