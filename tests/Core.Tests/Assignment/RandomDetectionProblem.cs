using Research.Core.Dense;
using Research.Core.Data;
using Research.Core.Modeling;
using Research.Core.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Tests.Assignment;

/// <summary>Random head outputs and GTs in the layout of the real head (deterministic by seed).</summary>
internal sealed class RandomDetectionProblem : IDisposable
{
    public RandomDetectionProblem(int seed, int[] strides, (int H, int W)[] sizes, int k, int[] gtPerImage, ScalarType dtype = ScalarType.Float32)
    {
        TorchRuntime.EnsureLoaded();
        var g = new Generator((ulong)seed);
        var rng = new Random(seed);
        int n = gtPerImage.Length;
        Strides = strides; Sizes = sizes; K = k;
        Logits = sizes.Select(s => (randn(new long[] { n, k, s.H, s.W }, generator: g) * 1.5 - 2.0).to(dtype)).ToArray();
        BboxReg = sizes.Select((s, l) => ((randn(new long[] { n, 4, s.H, s.W }, generator: g) * 1.5 + 2.0).relu() * strides[l]).to(dtype)).ToArray();
        Filter = sizes.Select(s => (randn(new long[] { n, 1, s.H, s.W }, generator: g) - 1.0).to(dtype)).ToArray();
        Shifts = new ShiftGenerator(strides).GridShifts(sizes.Select(s => ((long)s.H, (long)s.W)).ToArray());
        float imgW = sizes[0].W * strides[0], imgH = sizes[0].H * strides[0];
        Targets = gtPerImage.Select(m =>
        {
            var boxes = new float[m * 4];
            var cls = new long[m];
            for (int i = 0; i < m; i++)
            {
                int kind = rng.Next(8);
                if (kind == 0 && i > 0) { Array.Copy(boxes, 4 * (i - 1), boxes, 4 * i, 4); cls[i] = rng.Next(2) == 0 ? cls[i - 1] : rng.Next(k); continue; } // duplicate
                float w = kind == 1 ? 2.5f : (float)Math.Exp(rng.NextDouble() * Math.Log(imgW * 0.7 / 6) + Math.Log(6));
                float h = kind == 1 ? 2f : (float)Math.Exp(rng.NextDouble() * Math.Log(imgH * 0.7 / 6) + Math.Log(6));
                float x1 = kind == 2 ? 0 : (float)(rng.NextDouble() * Math.Max(1, imgW - w));
                float y1 = kind == 3 ? imgH - h : (float)(rng.NextDouble() * Math.Max(1, imgH - h));
                boxes[4 * i] = x1; boxes[4 * i + 1] = y1; boxes[4 * i + 2] = Math.Min(imgW, x1 + w); boxes[4 * i + 3] = Math.Min(imgH, y1 + h);
                cls[i] = rng.Next(k);
            }
            return new DetectionTarget(tensor(boxes, new long[] { m, 4 }), tensor(cls, new long[] { m }));
        }).ToArray();
    }

    public int[] Strides { get; }
    public (int H, int W)[] Sizes { get; }
    public int K { get; }
    public Tensor[] Logits { get; }
    public Tensor[] BboxReg { get; }
    public Tensor[] Filter { get; }
    public Tensor[] Shifts { get; }
    public DetectionTarget[] Targets { get; }
    public (int, int)[] LevelSizes => Sizes.Select(s => (s.H, s.W)).ToArray();

    public Tensor Cls => HeadFlattening.FlattenAndConcat(Logits, K);
    public Tensor Reg => HeadFlattening.FlattenAndConcat(BboxReg, 4);
    public Tensor Fil => HeadFlattening.FlattenAndConcat(Filter, 1);
    public Tensor AllShifts => cat(Shifts, 0);

    public void Dispose()
    {
        foreach (var t in Logits.Concat(BboxReg).Concat(Filter).Concat(Shifts)) t.Dispose();
        foreach (var t in Targets) t.Dispose();
    }
}
