using static TorchSharp.torch;

namespace Research.Core.Modeling;

/// <summary>
/// Observer of intermediate tensors during a forward pass (used by scripts/trace.fsx). The tensor is only
/// valid during the call: read its shape or statistics, do not keep it.
/// </summary>
/// <param name="stage">Stage name, e.g. "head.cls_tower.p3" or "head.max3d.out.p5".</param>
/// <param name="value">The tensor at that stage.</param>
public delegate void StageProbe(string stage, Tensor value);
