using Research.Core.Training;
using Xunit;

namespace Research.Core.Tests.Training;

public class LrScheduleTests
{
    // Reference shape (DeFCN 3x, scaled down): warm-up 10 iterations from 0.001, steps at 60 and 80, gamma 0.1.
    private static readonly LrSchedule MultiStep = new(100, LrScheduleKind.MultiStep, new long[] { 60, 80 }, 0.1, 10, 0.001);

    [Theory]
    [InlineData(0, 0.001)]           // warm-up start: f
    [InlineData(5, 0.5005)]          // f·(1 − 0.5) + 0.5
    [InlineData(9, 0.9001)]          // f·0.1 + 0.9
    [InlineData(10, 1.0)]            // warm-up over
    [InlineData(59, 1.0)]
    [InlineData(60, 0.1)]            // bisect_right: the step iteration itself is already decayed
    [InlineData(79, 0.1)]
    [InlineData(80, 0.01)]
    [InlineData(99, 0.01)]
    public void MultiStepWithLinearWarmupMatchesHandValues(long iteration, double expected)
    {
        Assert.Equal(expected, MultiStep.Factor(iteration), 12);
    }

    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(25, 0.8535533905932737)]  // 0.5·(1 + cos(π/4))
    [InlineData(50, 0.5)]
    [InlineData(100, 0.0)]
    public void CosineWithoutWarmupIsAHalfCosine(long iteration, double expected)
    {
        var s = new LrSchedule(100, LrScheduleKind.Cosine, WarmupIters: 0);
        Assert.Equal(expected, s.Factor(iteration), 12);
    }

    [Fact]
    public void CosineWarmupMultipliesTheCosineInsteadOfShiftingIt()
    {
        var s = new LrSchedule(100, LrScheduleKind.Cosine, WarmupIters: 10, WarmupFactor: 0.001);
        Assert.Equal(0.5005 * 0.5 * (1 + Math.Cos(Math.PI * 0.05)), s.Factor(5), 12);
        Assert.Equal(0.4974190072339332, s.Factor(5), 12);
    }

    [Fact]
    public void ReferenceDefcnScheduleAtItsMilestones()
    {
        // config.py: 270k iterations, steps 210k/250k, warm-up 1000 from 0.001.
        var s = new LrSchedule(270000, LrScheduleKind.MultiStep, new long[] { 210000, 250000 }, 0.1, 1000, 0.001);
        Assert.Equal(0.001 * 0.5 + 0.5, s.Factor(500), 12);
        Assert.Equal(1.0, s.Factor(209999), 12);
        Assert.Equal(0.1, s.Factor(210000), 12);
        Assert.Equal(0.01, s.Factor(269999), 12);
    }

    [Fact]
    public void InvalidSettingsNameTheirKey()
    {
        Assert.Contains("solver.steps", Assert.Throws<ArgumentException>(() =>
            new LrSchedule(100, Steps: new long[] { 80, 60 }).Validate()).Message);
        Assert.Contains("solver.max_iter", Assert.Throws<ArgumentException>(() => new LrSchedule(0).Validate()).Message);
        Assert.Contains("solver.warmup_factor", Assert.Throws<ArgumentException>(() => new LrSchedule(10, WarmupFactor: 2).Validate()).Message);
        Assert.Contains("'linear'", Assert.Throws<ArgumentException>(() => LrSchedule.ParseKind("linear")).Message);
        Assert.Equal(LrScheduleKind.Cosine, LrSchedule.ParseKind("Cosine"));
    }
}
