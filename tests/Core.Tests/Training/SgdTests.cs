using Research.Core.Training;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Training;

public class SgdTests
{
    private sealed class Grouped : nn.Module<Tensor, Tensor>
    {
        private readonly Linear conv;
        private readonly BatchNorm1d bn;
        private readonly GroupNorm gn;
        private readonly Linear frozen;
        private readonly Parameter scale;

        public Grouped() : base(nameof(Grouped))
        {
            conv = nn.Linear(4, 4);
            bn = nn.BatchNorm1d(4);
            gn = nn.GroupNorm(2, 4);
            using (no_grad()) { nn.init.ones_(gn.weight!); nn.init.zeros_(gn.bias!); }
            frozen = nn.Linear(4, 4);
            frozen.weight!.requires_grad = false;
            frozen.bias!.requires_grad = false;
            scale = new Parameter(ones(1));
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => frozen.forward(gn.forward(bn.forward(conv.forward(x)))) * scale;
    }

    [Fact]
    public void NormParametersGetNoDecayBiasesGetTheBiasFactorFrozenAreLeftOut()
    {
        using var m = new Grouped();
        var (sgd, groups) = SgdBuilder.Build(m, new SolverOptions(0.01, WeightDecay: 1e-4, BiasLrFactor: 2.0));
        using var _ = sgd;
        Assert.Equal(new[] { "default", "bias", "norm" }, groups.Select(g => g.Name));
        Assert.Equal(new[] { "scale", "conv.weight" }, groups[0].ParameterNames);
        Assert.Equal(new[] { "conv.bias" }, groups[1].ParameterNames);
        Assert.Equal(new[] { "bn.weight", "bn.bias", "gn.weight", "gn.bias" }, groups[2].ParameterNames);
        Assert.Equal(new[] { 1e-4, 1e-4, 0.0 }, groups.Select(g => g.WeightDecay));
        Assert.Equal(new[] { 1.0, 2.0, 1.0 }, groups.Select(g => g.LrFactor));
        var pgs = sgd.ParamGroups.Cast<SGD.ParamGroup>().ToList();
        Assert.Equal(new[] { 0.01, 0.02, 0.01 }, pgs.Select(g => g.LearningRate));
        Assert.Equal(new double?[] { 1e-4, 1e-4, 0.0 }, pgs.Select(g => g.Options.weight_decay));
        Assert.All(pgs, g => Assert.Equal(0.9, g.Options.momentum));
    }

    [Fact]
    public void ACustomNormPredicateMovesThatModuleToTheNormGroup()
    {
        using var m = new Grouped();
        var (sgd, groups) = SgdBuilder.Build(m, new SolverOptions(0.01, IsNormModule: mod => mod is Linear));
        using var _ = sgd;
        Assert.Equal(new[] { "default", "norm" }, groups.Select(g => g.Name));
        Assert.Equal(new[] { "scale" }, groups[0].ParameterNames);
        Assert.Contains("conv.bias", groups[1].ParameterNames);
    }

    // y = w·x + b, loss (y − 1)², x = 2, w0 = 0.5, b0 = 0.25, lr 0.1, momentum 0.9, wd 0.1 on w,
    // bias: lr factor 2, no decay. By hand:
    // step 1: y = 1.25, loss 0.0625, dw = 1.0 (+0.05 decay) → buf 1.05, w = 0.395; db = 0.5 → buf 0.5, b = 0.25 − 0.2·0.5 = 0.15
    // step 2: y = 0.94, loss 0.0036, dw = −0.24 + 0.0395 → buf 0.945 − 0.2005 = 0.7445, w = 0.32055;
    //         db = −0.12 → buf 0.45 − 0.12 = 0.33, b = 0.15 − 0.066 = 0.084
    [Fact]
    public void TwoTrainerStepsMatchTheHandComputedSgdUpdate()
    {
        var (model, losses) = TrainLine(clip: null, iterations: 2);
        Assert.Equal(0.0625, losses[0], 6);
        Assert.Equal(0.0036, losses[1], 6);
        Assert.Equal(0.32055f, model.W, 6);
        Assert.Equal(0.084f, model.B, 6);
    }

    [Fact]
    public void GradientClippingScalesTheRawGradientBeforeDecay()
    {
        // Raw grads (1.0, 0.5), norm √1.25; clipped to 0.5: c = 0.5 / (√1.25 + 1e-6) (torch's clip_grad_norm_).
        var (model, _) = TrainLine(clip: 0.5, iterations: 1);
        var c = 0.5 / (Math.Sqrt(1.25) + 1e-6);
        Assert.Equal(0.5 - 0.1 * (1.0 * c + 0.1 * 0.5), model.W, 6);
        Assert.Equal(0.25 - 0.2 * (0.5 * c), model.B, 6);
    }

    private static (LineModel Model, List<double> Losses) TrainLine(double? clip, int iterations)
    {
        var model = new LineModel(0.5f, 0.25f);
        var losses = new List<double>();
        var dir = Toys.TempDir();
        using var trainer = new Trainer(model,
            batch => new Dictionary<string, Tensor> { ["loss_sq"] = (model.forward(batch.Images.reshape(1)) - 1).pow(2).sum() },
            new ConstantBatchSource(2f), new RecordingSink(),
            new SolverOptions(0.1, Momentum: 0.9, WeightDecay: 0.1, BiasLrFactor: 2.0, WeightDecayBias: 0.0, ClipGradNorm: clip),
            new LrSchedule(iterations, WarmupIters: 0),
            new CheckpointOptions(dir, Period: 100, Resume: "never"),
            new LoggingOptions(Progress: ProgressMode.None, Output: TextWriter.Null));
        trainer.IterationCompleted += (_, e) => losses.Add(e.Losses["loss_sq"]);
        trainer.Run();
        Directory.Delete(dir, true);
        return (model, losses);
    }
}
