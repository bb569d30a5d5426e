using Research.Core.Training;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Training;

[Collection(GlobalRngCollection.Name)]
public sealed class CheckpointTests : IDisposable
{
    private readonly string _dir = Toys.TempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A net and an SGD with momentum buffers filled by <paramref name="steps"/> steps.</summary>
    private static (ToyNet Net, SGD Sgd) Trained(int steps, long seed = 7)
    {
        var net = Toys.NewNet(seed);
        var (sgd, _) = SgdBuilder.Build(net, new SolverOptions(0.05));
        var source = new ToyBatchSource(1);
        var loss = Toys.ToyLoss(net);
        for (var i = 0; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            using var batch = source.GetBatch(i);
            var terms = loss(batch);
            sgd.zero_grad();
            (terms["loss_a"] + terms["loss_b"]).backward();
            sgd.step();
        }
        return (net, sgd);
    }

    private static float[] Buffers(SGD sgd) => sgd.state_dict().State.Cast<SGD.State>()
        .SelectMany(s => s.momentum_buffer!.data<float>().ToArray()).ToArray();

    [Fact]
    public void RoundTripRestoresWeightsMomentumAndRng()
    {
        var (net, sgd) = Trained(3);
        var store = new CheckpointStore(_dir);
        var path = store.Save(net, sgd, 3, 10, new Dictionary<string, string> { ["note"] = "x" });
        using var expectedNext = randn(5); // what the generator gives right after the save

        var (fresh, freshSgd) = Trained(0, seed: 99);
        Assert.NotEqual(Toys.Flat(net), Toys.Flat(fresh));
        var meta = CheckpointFile.Load(path, fresh, freshSgd);
        using var next = randn(5);

        Assert.Equal(3, meta.Iteration);
        Assert.Equal(10, meta.MaxIter);
        Assert.Equal("x", meta.Extra["note"]);
        Assert.Equal(Toys.Flat(net), Toys.Flat(fresh));
        Assert.Equal(Buffers(sgd), Buffers(freshSgd));
        Assert.Equal(expectedNext.data<float>().ToArray(), next.data<float>().ToArray());
        Assert.Equal(Path.Combine(_dir, "model_0000003.ckpt"), path);
    }

    [Fact]
    public void ACrashBetweenTempWriteAndRenameLeavesThePreviousCheckpointLoadable()
    {
        var (net, sgd) = Trained(2);
        var store = new CheckpointStore(_dir);
        var first = store.Save(net, sgd, 10, 100);
        var weightsAt10 = Toys.Flat(net);
        var (net2, sgd2) = Trained(4);
        store.BeforeRename = tmp => throw new IOException("simulated crash before rename of " + tmp);

        Assert.Throws<IOException>(() => store.Save(net2, sgd2, 20, 100));

        Assert.True(File.Exists(CheckpointFile.TempPathFor(store.PathFor(20))));   // the complete temp file is left behind
        Assert.False(File.Exists(store.PathFor(20)));
        Assert.Equal(first, store.FindNewestComplete());
        var (loaded, loadedSgd) = Trained(0, seed: 5);
        Assert.Equal(10, CheckpointFile.Load(first, loaded, loadedSgd).Iteration);
        Assert.Equal(weightsAt10, Toys.Flat(loaded));

        store.BeforeRename = null;   // the next successful save cleans the leftover up
        store.Save(net2, sgd2, 30, 100);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void TruncatedAndCorruptedNewerCheckpointsAreSkippedWithAWarningNamingTheFile()
    {
        var (net, sgd) = Trained(1);
        var store = new CheckpointStore(_dir, keepLast: 5);
        var good = store.Save(net, sgd, 10, 100);
        var flipped = store.Save(net, sgd, 20, 100);
        var truncated = store.Save(net, sgd, 30, 100);
        using (var f = new FileStream(truncated, FileMode.Open)) f.SetLength(f.Length / 2);
        var bytes = File.ReadAllBytes(flipped);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(flipped, bytes);

        var warnings = new List<string>();
        Assert.Equal(good, store.FindNewestComplete(warnings.Add));

        Assert.Equal(2, warnings.Count);
        Assert.Contains("model_0000030.ckpt", warnings[0]);
        Assert.Contains("truncated", warnings[0]);
        Assert.Contains("model_0000020.ckpt", warnings[1]);
        Assert.Contains("digest mismatch", warnings[1]);
        Assert.True(File.Exists(truncated + ".corrupt"));
        Assert.Equal(new[] { 10L }, store.List().Select(c => c.Iteration));
        var e = Assert.Throws<InvalidDataException>(() => CheckpointFile.LoadModel(truncated + ".corrupt", Toys.NewNet()));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void OnlyTheNewestKAreKept()
    {
        var (net, sgd) = Trained(1);
        var store = new CheckpointStore(_dir, keepLast: 2);
        foreach (var it in new[] { 5L, 10, 15, 20 }) store.Save(net, sgd, it, 20);
        Assert.Equal(new[] { 15L, 20 }, store.List().Select(c => c.Iteration));
        Assert.Equal(new[] { "model_0000015.ckpt", "model_0000020.ckpt" },
            Directory.GetFiles(_dir).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void LoadingIntoAnotherArchitectureNamesTheFile()
    {
        var (net, sgd) = Trained(1);
        var path = new CheckpointStore(_dir).Save(net, sgd, 1, 1);
        using var other = nn.Linear(16, 2);
        var e = Assert.Throws<InvalidDataException>(() => CheckpointFile.LoadModel(path, other));
        Assert.Contains(path, e.Message);
    }
}
