using Research.Core.Runtime;
using Research.Core.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Assignment;

/// <summary>
/// Host-side copies of what both assigners read: the shift grid, the per-image deltas (as double,
/// exact for float32 heads), GT boxes (float32) and classes, with the checks the reference makes.
/// </summary>
internal sealed class AssignmentInputs
{
    public AssignmentInputs(Tensor clsLogits, Tensor deltas, Tensor shifts, IReadOnlyList<(int Height, int Width)> levelSizes,
        IReadOnlyList<DetectionTarget> targets, int numClasses)
    {
        if (clsLogits.dim() != 3) throw new ArgumentException($"cls logits must be (N, R, K), got ({string.Join(", ", clsLogits.shape)})");
        N = (int)clsLogits.shape[0];
        R = (int)clsLogits.shape[1];
        K = (int)clsLogits.shape[2];
        if (K != numClasses) throw new ArgumentException($"cls logits have K = {K} classes but the assigner was built for {numClasses}");
        if (deltas.dim() != 3 || deltas.shape[0] != N || deltas.shape[1] != R || deltas.shape[2] != 4)
            throw new ArgumentException($"box deltas must be (N, R, 4) = ({N}, {R}, 4), got ({string.Join(", ", deltas.shape)})");
        if (shifts.dim() != 2 || shifts.shape[0] != R || shifts.shape[1] != 2)
            throw new ArgumentException($"shifts must be (R, 2) = ({R}, 2), got ({string.Join(", ", shifts.shape)})");
        if (targets.Count != N) throw new ArgumentException($"{targets.Count} targets for a batch of {N} images");
        using var scope = NewDisposeScope();
        Grid = new ShiftGrid(HostCopy.Floats(shifts), levelSizes);
        var all = HostCopy.Doubles(deltas);
        Deltas = new double[N][];
        for (int n = 0; n < N; n++)
        {
            Deltas[n] = new double[R * 4];
            Array.Copy(all, (long)n * R * 4, Deltas[n], 0, R * 4);
        }
        foreach (var d in all)
            if (!double.IsFinite(d)) throw new ArgumentException("box deltas contain NaN or Inf (the regression branch diverged)");
        Boxes = new float[N][];
        Classes = new long[N][];
        for (int n = 0; n < N; n++)
        {
            var t = targets[n];
            Boxes[n] = HostCopy.Floats(t.Boxes);
            Classes[n] = HostCopy.Longs(t.Classes);
            for (int i = 0; i < Classes[n].Length; i++)
                if (Classes[n][i] < 0 || Classes[n][i] >= K)
                    throw new ArgumentException($"image {n}, GT {i}: class {Classes[n][i]} is outside 0..{K - 1}");
            foreach (var b in Boxes[n])
                if (!float.IsFinite(b)) throw new ArgumentException($"image {n}: a GT box coordinate is not finite");
        }
    }

    public int N { get; }
    public int R { get; }
    public int K { get; }
    public ShiftGrid Grid { get; }

    /// <summary>Per image (R·4) deltas (l, t, r, b) in the head's precision.</summary>
    public double[][] Deltas { get; }

    /// <summary>Per image (M·4) float32 XYXY GT boxes.</summary>
    public float[][] Boxes { get; }

    /// <summary>Per image (M) GT classes.</summary>
    public long[][] Classes { get; }
}
