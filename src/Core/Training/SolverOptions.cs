using TorchSharp;

namespace Research.Core.Training;

/// <summary>
/// SGD hyper-parameters as the reference sets them (cvpods optimizer_builder.py D2SGDBuilder l.74-100 and
/// base_config.py SOLVER): momentum 0.9, weight decay 1e-4, no decay on the parameters of normalisation
/// layers (WEIGHT_DECAY_NORM = 0), bias lr factor 1, no gradient clipping.
/// </summary>
/// <param name="BaseLr">Base learning rate (solver.base_lr); the schedule multiplies it.</param>
/// <param name="Momentum">SGD momentum (solver.momentum), PyTorch semantics: buf = m·buf + g, p −= lr·buf.</param>
/// <param name="WeightDecay">L2 weight decay added to the gradient (solver.weight_decay).</param>
/// <param name="WeightDecayNorm">Weight decay of normalisation-layer parameters (solver.weight_decay_norm).</param>
/// <param name="BiasLrFactor">lr multiplier of parameters named <c>bias</c> outside norm layers (solver.bias_lr_factor).</param>
/// <param name="WeightDecayBias">Weight decay of those biases; null means <paramref name="WeightDecay"/> (the reference).</param>
/// <param name="ClipGradNorm">When set (&gt; 0), gradients are clipped to this total L2 norm over all parameters before each step.</param>
/// <param name="IsNormModule">
/// Extra test for normalisation modules beyond TorchSharp's BatchNorm/GroupNorm/InstanceNorm/LayerNorm/
/// LocalResponseNorm (e.g. a custom norm layer); its parameters get <paramref name="WeightDecayNorm"/>.
/// </param>
public sealed record SolverOptions(
    double BaseLr,
    double Momentum = 0.9,
    double WeightDecay = 1e-4,
    double WeightDecayNorm = 0.0,
    double BiasLrFactor = 1.0,
    double? WeightDecayBias = null,
    double? ClipGradNorm = null,
    Func<torch.nn.Module, bool>? IsNormModule = null)
{
    /// <summary>Throws an <see cref="ArgumentException"/> naming the config key and value when a setting is out of range.</summary>
    public void Validate()
    {
        static void Check(bool ok, string key, double value, string rule)
        {
            if (!ok) throw new ArgumentException($"solver.{key} must be {rule}, got {value}.");
        }
        Check(BaseLr > 0 && double.IsFinite(BaseLr), "base_lr", BaseLr, "> 0");
        Check(Momentum >= 0 && Momentum < 1, "momentum", Momentum, "in [0, 1)");
        Check(WeightDecay >= 0 && double.IsFinite(WeightDecay), "weight_decay", WeightDecay, ">= 0");
        Check(WeightDecayNorm >= 0 && double.IsFinite(WeightDecayNorm), "weight_decay_norm", WeightDecayNorm, ">= 0");
        Check(BiasLrFactor > 0 && double.IsFinite(BiasLrFactor), "bias_lr_factor", BiasLrFactor, "> 0");
        if (WeightDecayBias is { } wdb) Check(wdb >= 0 && double.IsFinite(wdb), "weight_decay_bias", wdb, ">= 0");
        if (ClipGradNorm is { } c) Check(c > 0 && double.IsFinite(c), "clip_grad_norm", c, "> 0 (or absent)");
    }
}
