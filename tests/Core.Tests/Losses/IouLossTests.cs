using Research.Core.Losses;
using Research.Core.Runtime;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Losses;

public class IouLossTests
{
    public IouLossTests() => TorchRuntime.EnsureLoaded();

    private static double Loss(double[] pred, double[] target) =>
        IouLoss.GIoU(tensor(pred, new long[] { 1, 4 }, dtype: ScalarType.Float64), tensor(target, new long[] { 1, 4 }, dtype: ScalarType.Float64)).item<double>();

    [Fact]
    public void HandComputedValues()
    {
        Assert.Equal(0.0, Loss(new double[] { 3, 4, 5, 6 }, new double[] { 3, 4, 5, 6 }), 12);
        // pred box [−1, −1, 1, 1], target [0, 0, 2, 2]: IoU 1/7, enclosing 9, union 7 → 1 − (1/7 − 2/9)
        Assert.Equal(1 - (1.0 / 7 - 2.0 / 9), Loss(new double[] { 1, 1, 1, 1 }, new double[] { 0, 0, 2, 2 }), 12);
        // degenerate prediction (a point): IoU 0, enclosing box = target box → loss 1
        Assert.Equal(1.0, Loss(new double[] { 0, 0, 0, 0 }, new double[] { 1, 1, 1, 1 }), 12);
        // both empty: union and enclosure clamped at float32 eps → loss 1, no NaN
        Assert.Equal(1.0, Loss(new double[] { 0, 0, 0, 0 }, new double[] { 0, 0, 0, 0 }), 12);
        // negative target distances (a matched shift outside its GT): areas clamped at 0
        Assert.True(double.IsFinite(Loss(new double[] { 1, 2, 3, 4 }, new double[] { -1, 2, 3, -1 })));
    }

    [Fact]
    public void GradientsMatchFiniteDifferencesInFloat64()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(9);
        var p0 = rand(new long[] { 5, 4 }, generator: g, dtype: ScalarType.Float64) * 20 + 0.5;
        var t = rand(new long[] { 5, 4 }, generator: g, dtype: ScalarType.Float64) * 20 + 0.5;
        var p = p0.clone().requires_grad_(true);
        IouLoss.GIoU(p, t).backward();
        var grad = p.grad!.data<double>().ToArray();
        var xs = p0.data<double>().ToArray();
        const double h = 1e-6;
        for (int i = 0; i < xs.Length; i++)
        {
            var plus = (double[])xs.Clone(); plus[i] += h;
            var minus = (double[])xs.Clone(); minus[i] -= h;
            double fd = (IouLoss.GIoU(tensor(plus, p0.shape, dtype: ScalarType.Float64), t).item<double>()
                       - IouLoss.GIoU(tensor(minus, p0.shape, dtype: ScalarType.Float64), t).item<double>()) / (2 * h);
            Assert.True(Math.Abs(fd - grad[i]) <= 1e-6 * Math.Max(1, Math.Abs(fd)), $"element {i}: autograd {grad[i]} vs finite difference {fd}");
        }
    }
}
