using static TorchSharp.torch;

namespace Research.Core.Dense;

/// <summary>
/// Turns a head's box regression at shifts into boxes: (l, t, r, b) distances for DeFCN and FCOS
/// (<see cref="Shift2BoxTransform"/>), anchor deltas for the anchor rule (<see cref="AnchorBoxCoder"/>).
/// </summary>
public interface IBoxDecoder
{
    /// <summary>Regression (P, 4) at shifts (P, 2) of level <paramref name="level"/> → boxes (P, 4) XYXY in input pixels.</summary>
    Tensor Decode(Tensor regression, Tensor shifts, int level);
}
