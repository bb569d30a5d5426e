using Research.Core.Losses;
using Research.Core.Runtime;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Losses;

public class FocalLossTests
{
    public FocalLossTests() => TorchRuntime.EnsureLoaded();

    private static double Value(Tensor t) => t.to(ScalarType.Float64).item<double>();

    [Fact]
    public void HandComputedValuesOnProbabilities()
    {
        using var scope = NewDisposeScope();
        // p = 0.3, t = 1: 0.25·0.7²·(−ln 0.3); p = 0.3, t = 0: 0.75·0.3²·(−ln 0.7)
        var p = tensor(new[] { 0.3, 0.3 }, dtype: ScalarType.Float64);
        var t = tensor(new[] { 1.0, 0.0 }, dtype: ScalarType.Float64);
        double expected = 0.25 * 0.49 * -Math.Log(0.3) + 0.75 * 0.09 * -Math.Log(0.7);
        Assert.Equal(expected, Value(FocalLoss.OnProbabilities(p, t)), 12);
        // log clamped at −100 (PyTorch BCE): p = 0 with t = 1 costs 0.25·1·100, p = 1 with t = 0 costs 0.75·100
        var sat = FocalLoss.OnProbabilities(tensor(new[] { 0.0, 1.0 }, dtype: ScalarType.Float64), tensor(new[] { 1.0, 0.0 }, dtype: ScalarType.Float64));
        Assert.Equal(25.0 + 75.0, Value(sat), 9);
        // α < 0 disables the weighting; γ = 0 gives plain BCE
        Assert.Equal(-Math.Log(0.3), Value(FocalLoss.OnProbabilities(p[..1], t[..1], alpha: -1, gamma: 0)), 12);
    }

    [Fact]
    public void LogitFormEqualsProbabilityFormAwayFromSaturation()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(3);
        var x = randn(new long[] { 40, 3 }, generator: g, dtype: ScalarType.Float64) * 2;
        var t = (rand(new long[] { 40, 3 }, generator: g, dtype: ScalarType.Float64) > 0.7).to(ScalarType.Float64);
        Assert.Equal(Value(FocalLoss.OnProbabilities(x.sigmoid(), t)), Value(FocalLoss.OnLogits(x, t)), 10);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void GradientsMatchFiniteDifferencesInFloat64(bool onLogits)
    {
        using var scope = NewDisposeScope();
        var g = new Generator(5);
        var x0 = onLogits ? randn(new long[] { 4, 3 }, generator: g, dtype: ScalarType.Float64) * 2
                          : rand(new long[] { 4, 3 }, generator: g, dtype: ScalarType.Float64) * 0.9 + 0.05;
        var t = (rand(new long[] { 4, 3 }, generator: g, dtype: ScalarType.Float64) > 0.5).to(ScalarType.Float64);
        Func<Tensor, Tensor> f = onLogits ? x => FocalLoss.OnLogits(x, t) : x => FocalLoss.OnProbabilities(x, t);
        var x = x0.clone().requires_grad_(true);
        f(x).backward();
        var grad = x.grad!.data<double>().ToArray();
        var xs = x0.data<double>().ToArray();
        const double h = 1e-6;
        for (int i = 0; i < xs.Length; i++)
        {
            var plus = (double[])xs.Clone(); plus[i] += h;
            var minus = (double[])xs.Clone(); minus[i] -= h;
            double fd = (Value(f(tensor(plus, x0.shape, dtype: ScalarType.Float64))) - Value(f(tensor(minus, x0.shape, dtype: ScalarType.Float64)))) / (2 * h);
            Assert.True(Math.Abs(fd - grad[i]) <= 1e-6 * Math.Max(1, Math.Abs(fd)), $"element {i}: autograd {grad[i]} vs finite difference {fd}");
        }
    }
}
