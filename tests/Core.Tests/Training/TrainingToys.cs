using Research.Core.Data;
using Research.Core.Mlflow;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Research.Core.Tests.Training;

/// <summary>Small network with a norm layer (grouping) and dropout (so exact resume needs the RNG state).</summary>
internal sealed class ToyNet : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly LayerNorm norm;
    private readonly Dropout drop;
    private readonly Linear fc2;

    public ToyNet(double dropout = 0.2) : base(nameof(ToyNet))
    {
        fc1 = nn.Linear(16, 8);
        norm = nn.LayerNorm(8);
        drop = nn.Dropout(dropout);
        fc2 = nn.Linear(8, 2);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => fc2.forward(drop.forward(nn.functional.relu(norm.forward(fc1.forward(x)))));
}

/// <summary>y = w·x + b with scalar parameters, for hand-computed SGD updates.</summary>
internal sealed class LineModel : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;

    public LineModel(float w, float b) : base(nameof(LineModel))
    {
        weight = new Parameter(tensor(new[] { w }));
        bias = new Parameter(tensor(new[] { b }));
        RegisterComponents();
    }

    public float W => weight.item<float>();
    public float B => bias.item<float>();

    public override Tensor forward(Tensor x) => x * weight + bias;
}

/// <summary>
/// Batches as a pure function of (seed, iteration): N images of 1×4×4 standard normal values from a generator
/// seeded with both. Optionally puts a NaN into the batch of one iteration.
/// </summary>
internal sealed class ToyBatchSource(long seed, int batchSize = 4, long nanAtIteration = -1) : IBatchSource
{
    public int BatchSize => batchSize;
    public int Calls { get; private set; }

    public ImageBatch GetBatch(long iteration)
    {
        Calls++;
        using var g = new Generator((ulong)(seed * 1_000_003 + iteration));
        var images = randn(new long[] { batchSize, 1, 4, 4 }, generator: g);
        if (iteration == nanAtIteration) images[0, 0, 0, 0] = tensor(float.NaN);
        var sizes = Enumerable.Repeat((4, 4), batchSize).ToList();
        return new ImageBatch(images, sizes, sizes, Enumerable.Range(0, batchSize).Select(i => (long)i).ToList());
    }

    public void Dispose() { }
}

/// <summary>One image per batch holding the scalar x (images (1,1,1,1)).</summary>
internal sealed class ConstantBatchSource(float x) : IBatchSource
{
    public int BatchSize => 1;

    public ImageBatch GetBatch(long iteration)
    {
        var sizes = new List<(int, int)> { (1, 1) };
        return new ImageBatch(full(new long[] { 1, 1, 1, 1 }, x), sizes, sizes, new List<long> { 0 });
    }

    public void Dispose() { }
}

/// <summary>Records every call, as the tracking layer would receive them.</summary>
internal sealed class RecordingSink : IMetricSink
{
    public List<(long Step, Dictionary<string, double> Metrics)> Metrics { get; } = new();
    public Dictionary<string, string> Tags { get; } = new();

    public void LogMetrics(long step, IReadOnlyDictionary<string, double> metrics) => Metrics.Add((step, metrics.ToDictionary()));
    public void LogParams(IReadOnlyDictionary<string, string> parameters) { }
    public void SetTag(string key, string value) => Tags[key] = value;
    public void LogArtifact(string localPath, string? artifactPath = null) { }
}

internal static class Toys
{
    /// <summary>loss_a = MSE(out0, image mean), loss_b = L1(out1, image max), diagnostic out_abs_mean.</summary>
    public static Func<ImageBatch, IReadOnlyDictionary<string, Tensor>> ToyLoss(ToyNet net) => batch =>
    {
        var x = batch.Images.flatten(1); // (N, 16)
        var y = net.forward(x); // (N, 2)
        var meanTarget = x.mean(new long[] { 1 });
        var maxTarget = x.amax(new long[] { 1 });
        return new Dictionary<string, Tensor>
        {
            ["loss_a"] = nn.functional.mse_loss(y[.., 0], meanTarget),
            ["loss_b"] = nn.functional.l1_loss(y[.., 1], maxTarget),
            ["out_abs_mean"] = y.abs().mean(),
        };
    };

    public static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "research-train-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }

    public static ToyNet NewNet(long seed = 7)
    {
        Research.Core.Training.Seeding.Apply(seed);
        return new ToyNet();
    }

    public static float[] Flat(nn.Module m) => m.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();
}
