using Research.Core.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Dense;

/// <summary>
/// The R-CNN box coding (cvpods Box2BoxTransform, modeling/box_regression.py l.35-107): a box relative to an
/// anchor is (dx, dy, dw, dh) = (w_x·(gx − ax)/aw, w_y·(gy − ay)/ah, w_w·log(gw/aw), w_h·log(gh/ah)) of centres
/// and sizes; decoding clamps dw, dh at log(1000/16) before exp. Boxes and anchors are XYXY in input pixels.
/// </summary>
public sealed class Box2BoxTransform
{
    /// <summary>The decoding clamp of dw and dh, log(1000/16) (detectron2/cvpods _DEFAULT_SCALE_CLAMP).</summary>
    public static readonly double DefaultScaleClamp = Math.Log(1000.0 / 16);

    private readonly double[] _weights;

    /// <summary>Creates the transform; the anchor rule uses weights (1, 1, 1, 1).</summary>
    public Box2BoxTransform(double wx = 1, double wy = 1, double ww = 1, double wh = 1, double? scaleClamp = null)
    {
        _weights = new[] { wx, wy, ww, wh };
        if (_weights.Any(w => !(w > 0))) throw new ArgumentException("box weights must be positive");
        ScaleClamp = scaleClamp ?? DefaultScaleClamp;
    }

    /// <summary>The (dx, dy, dw, dh) weights.</summary>
    public IReadOnlyList<double> Weights => _weights;

    /// <summary>Upper clamp of dw and dh before exp when decoding.</summary>
    public double ScaleClamp { get; }

    /// <summary>
    /// Encodes target boxes (..., 4) relative to source boxes (..., 4) (broadcast, XYXY); returns (..., 4)
    /// (dx, dy, dw, dh) in the sources' dtype.
    /// </summary>
    public Tensor GetDeltas(Tensor source, Tensor target)
    {
        using var scope = NewDisposeScope();
        var t = target.to(source.dtype);
        Tensor C(Tensor x, int i) => x[TensorIndex.Ellipsis, i];
        var sw = C(source, 2) - C(source, 0);
        var sh = C(source, 3) - C(source, 1);
        var sx = C(source, 0) + 0.5 * sw;
        var sy = C(source, 1) + 0.5 * sh;
        var tw = C(t, 2) - C(t, 0);
        var th = C(t, 3) - C(t, 1);
        var tx = C(t, 0) + 0.5 * tw;
        var ty = C(t, 1) + 0.5 * th;
        var (wx, wy, ww, wh) = (_weights[0], _weights[1], _weights[2], _weights[3]);
        var dx = wx * (tx - sx) / sw;
        var dy = wy * (ty - sy) / sh;
        var dw = ww * CorrectlyRounded.Log(tw / sw);
        var dh = wh * CorrectlyRounded.Log(th / sh);
        return stack(new[] { dx, dy, dw, dh }, -1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Decodes deltas (..., 4) relative to boxes (..., 4) (broadcast) into XYXY boxes (..., 4) in the deltas'
    /// dtype. Non-finite deltas are an error, as in the reference.
    /// </summary>
    public Tensor ApplyDeltas(Tensor deltas, Tensor boxes)
    {
        using var scope = NewDisposeScope();
        if (deltas.numel() == 0) return empty_like(deltas).MoveToOuterDisposeScope();
        if (!isfinite(deltas).all().item<bool>())
            throw new ArgumentException("box deltas contain NaN or Inf (the regression branch diverged)");
        var b = boxes.to(deltas.dtype);
        Tensor C(Tensor x, int i) => x[TensorIndex.Ellipsis, i];
        var widths = C(b, 2) - C(b, 0);
        var heights = C(b, 3) - C(b, 1);
        var cx = C(b, 0) + 0.5 * widths;
        var cy = C(b, 1) + 0.5 * heights;
        var dx = C(deltas, 0) / _weights[0];
        var dy = C(deltas, 1) / _weights[1];
        var dw = (C(deltas, 2) / _weights[2]).clamp_max(ScaleClamp);
        var dh = (C(deltas, 3) / _weights[3]).clamp_max(ScaleClamp);
        var px = dx * widths + cx;
        var py = dy * heights + cy;
        var pw = dw.exp() * widths;
        var ph = dh.exp() * heights;
        return stack(new[] { px - 0.5 * pw, py - 0.5 * ph, px + 0.5 * pw, py + 0.5 * ph }, -1).MoveToOuterDisposeScope();
    }
}
