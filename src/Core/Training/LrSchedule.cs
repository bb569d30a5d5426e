namespace Research.Core.Training;

/// <summary>Shape of the learning-rate curve after warm-up.</summary>
public enum LrScheduleKind
{
    /// <summary>Constant, multiplied by gamma at each step (the reference's WarmupMultiStepLR).</summary>
    MultiStep,

    /// <summary>Half cosine from 1 at iteration 0 to 0 at max_iter (the reference's WarmupCosineLR, iteration-wise).</summary>
    Cosine,
}

/// <summary>
/// Iteration-based learning-rate schedule: lr(i) = base_lr · warmup(i) · decay(i), where i is the 0-based
/// iteration being run. Follows cvpods solver/lr_scheduler.py (WarmupMultiStepLR l.23-67,
/// WarmupCosineLR l.70-121, _get_warmup_factor_at_iter l.163-189): linear warm-up
/// warmup(i) = f·(1 − i/W) + i/W for i &lt; W, else 1; multi-step decay γ^(number of steps ≤ i)
/// (bisect_right); cosine 0.5·(1 + cos(π·i/max_iter)) multiplied by the warm-up factor, not shifted by it.
/// A pure function of the iteration, so a resumed run needs no scheduler state beyond the iteration.
/// </summary>
/// <param name="MaxIter">Number of iterations of the whole run (solver.max_iter).</param>
/// <param name="Kind">Multi-step (the reference) or cosine (quickstart).</param>
/// <param name="Steps">Iterations where multi-step decay multiplies the lr by <paramref name="Gamma"/> (solver.steps), increasing.</param>
/// <param name="Gamma">Multi-step decay factor (solver.gamma).</param>
/// <param name="WarmupIters">Length W of the linear warm-up (solver.warmup_iters); 0 disables it.</param>
/// <param name="WarmupFactor">Warm-up start factor f at iteration 0 (solver.warmup_factor).</param>
public sealed record LrSchedule(
    long MaxIter,
    LrScheduleKind Kind = LrScheduleKind.MultiStep,
    IReadOnlyList<long>? Steps = null,
    double Gamma = 0.1,
    long WarmupIters = 1000,
    double WarmupFactor = 0.001)
{
    /// <summary>Multi-step milestones (empty when none were given).</summary>
    public IReadOnlyList<long> Steps { get; init; } = Steps ?? Array.Empty<long>();

    /// <summary>Throws an <see cref="ArgumentException"/> naming the config key and value when a setting is out of range.</summary>
    public void Validate()
    {
        if (MaxIter <= 0) throw new ArgumentException($"solver.max_iter must be > 0, got {MaxIter}.");
        if (WarmupIters < 0) throw new ArgumentException($"solver.warmup_iters must be >= 0, got {WarmupIters}.");
        if (WarmupFactor < 0 || WarmupFactor > 1 || double.IsNaN(WarmupFactor))
            throw new ArgumentException($"solver.warmup_factor must be in [0, 1], got {WarmupFactor}.");
        if (Gamma <= 0 || double.IsNaN(Gamma)) throw new ArgumentException($"solver.gamma must be > 0, got {Gamma}.");
        for (var k = 0; k < Steps.Count; k++)
        {
            if (Steps[k] <= 0) throw new ArgumentException($"solver.steps[{k}] must be > 0, got {Steps[k]}.");
            if (k > 0 && Steps[k] < Steps[k - 1])
                throw new ArgumentException($"solver.steps must be increasing, got [{string.Join(", ", Steps)}].");
        }
        if (!Enum.IsDefined(Kind)) throw new ArgumentException($"solver lr schedule kind {(int)Kind} is not multistep or cosine.");
    }

    /// <summary>The multiplier of base_lr at 0-based <paramref name="iteration"/>.</summary>
    public double Factor(long iteration)
    {
        if (iteration < 0) throw new ArgumentOutOfRangeException(nameof(iteration), iteration, "iteration must be >= 0.");
        return WarmupMultiplier(iteration) * DecayMultiplier(iteration);
    }

    /// <summary>The linear warm-up multiplier alone (1 once i ≥ W).</summary>
    public double WarmupMultiplier(long iteration)
    {
        if (iteration >= WarmupIters) return 1.0;
        var alpha = (double)iteration / WarmupIters;
        return WarmupFactor * (1 - alpha) + alpha;
    }

    /// <summary>The decay multiplier alone: γ^(#steps ≤ i) for multi-step, the half cosine for cosine.</summary>
    public double DecayMultiplier(long iteration) => Kind switch
    {
        LrScheduleKind.MultiStep => Math.Pow(Gamma, StepsPassed(iteration)),
        LrScheduleKind.Cosine => 0.5 * (1.0 + Math.Cos(Math.PI * iteration / MaxIter)),
        _ => throw new InvalidOperationException($"unknown schedule kind {Kind}"),
    };

    // bisect_right: the number of milestones m with m <= iteration.
    private int StepsPassed(long iteration)
    {
        var n = 0;
        foreach (var s in Steps) if (s <= iteration) n++;
        return n;
    }

    /// <summary>Parses a schedule kind from config text: <c>multistep</c> or <c>cosine</c> (case-insensitive).</summary>
    public static LrScheduleKind ParseKind(string text) => (text ?? "").Trim().ToLowerInvariant() switch
    {
        "multistep" or "multi_step" or "warmupmultisteplr" => LrScheduleKind.MultiStep,
        "cosine" or "warmupcosinelr" => LrScheduleKind.Cosine,
        _ => throw new ArgumentException($"solver.lr_scheduler '{text}' is not one of multistep, cosine."),
    };
}
