using Research.Core.Data;
using Research.Core.Detectors;
using Research.Core.Inference;
using Research.Core.Modeling.Head;
using Research.Core.Runtime;
using Research.Core.Tests.Modeling;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Detectors;

/// <summary>What the dense-detector base does before the network: normalisation, padding, one image at a time.</summary>
public class DenseDetectorTests
{
    public DenseDetectorTests() => TorchRuntime.EnsureLoaded();

    private static readonly PixelNormalization Pixels = new(new[] { 103.53f, 116.28f, 123.675f }, new[] { 57.375f, 57.12f, 58.395f });

    private static Defcn Model()
    {
        manual_seed(31);
        var model = new Defcn(new TinyBackbone(), numClasses: 3, head: new HeadOptions(NumConvs: 2), normalization: Pixels,
            inference: new InferenceSettings(ScoreThresh: 0.0));
        using (no_grad()) model.state_dict()["head.cls_score.bias"].fill_(-1.0);
        return model;
    }

    /// <summary>Raw 0..255 images of the given sizes, each alone (unpadded) and in one batch whose padding holds garbage.</summary>
    private static (Tensor[] Alone, Tensor Batch) Images((int H, int W)[] sizes)
    {
        manual_seed(32);
        var alone = sizes.Select(s => rand(1, 3, s.H, s.W) * 255).ToArray();
        int h = sizes.Max(s => s.H), w = sizes.Max(s => s.W);
        var batch = rand(sizes.Length, 3, h, w) * 255;    // the padding region keeps random values
        for (var i = 0; i < sizes.Length; i++)
            batch[i, TensorIndex.Colon, TensorIndex.Slice(0, sizes[i].H), TensorIndex.Slice(0, sizes[i].W)] = alone[i][0];
        return (alone, batch);
    }

    [Fact]
    public void PreprocessNormalisesLikeThePixelPipelineAndZeroesAndPadsTheRest()
    {
        using var model = Model();
        var sizes = new[] { (40, 70), (64, 33) };
        var (alone, raw) = Images(sizes);
        using var batch = new ImageBatch(raw, sizes, sizes, new long[] { 1, 2 });
        using var x = model.Preprocess(batch);
        Assert.Equal(new long[] { 2, 3, 64, 96 }, x.shape);          // 64 × 70 → multiples of 32
        for (var i = 0; i < sizes.Length; i++)
        {
            var (h, w) = sizes[i];
            var pixels = alone[i].data<float>().ToArray();
            var got = x[i, TensorIndex.Colon, TensorIndex.Slice(0, h), TensorIndex.Slice(0, w)].contiguous().data<float>().ToArray();
            for (var c = 0; c < 3; c++)
                for (var p = 0; p < h * w; p++)
                {
                    var k = c * h * w + p;
                    // the float32 arithmetic of the former in-pipeline normalisation, bit for bit
                    Assert.Equal((pixels[k] - Pixels.Mean[c]) / Pixels.Std[c], got[k]);
                }
            var outside = x[i].clone();
            outside[TensorIndex.Colon, TensorIndex.Slice(0, h), TensorIndex.Slice(0, w)] = 0f;
            Assert.Equal(0f, outside.abs().max().item<float>());       // everything outside the image is exactly 0
        }
    }

    [Fact]
    public void AnImageAloneAndAmongBatchMatesOfOtherSizesGivesIdenticalDetections()
    {
        using var model = Model();
        var sizes = new[] { (70, 50), (96, 130), (40, 100) };
        var originals = new[] { (140, 100), (96, 130), (20, 50) };
        var (alone, raw) = Images(sizes);
        using var batch = new ImageBatch(raw, sizes, originals, new long[] { 1, 2, 3 });
        var together = model.Predict(batch);
        for (var i = 0; i < sizes.Length; i++)
        {
            using var single = new ImageBatch(alone[i].clone(), new[] { sizes[i] }, new[] { originals[i] }, new long[] { i + 1 });
            using var d = model.Predict(single)[0];
            using var t = together[i];
            Assert.True(d.Count > 0, "the test needs detections");
            Assert.True(d.Count == t.Count && d.Boxes.equal(t.Boxes).all().item<bool>() && d.Scores.equal(t.Scores).all().item<bool>()
                        && d.Classes.equal(t.Classes).all().item<bool>(),
                $"image {i}: detections differ between alone and in the batch");
        }
        // The test can fail: one forward over the padded batch changes the head's GroupNorm statistics of the
        // smaller images (the padding is part of every level's map), so their scores differ.
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        model.eval();
        using var outputs = model.forward(model.Preprocess(batch));
        using var soloOutputs = model.forward(model.Preprocess(new ImageBatch(alone[0].clone(), new[] { sizes[0] }, new[] { originals[0] }, new long[] { 1 })));
        var h = soloOutputs.Logits[0].shape[2]; var w = soloOutputs.Logits[0].shape[3];
        var inBatch = outputs.Logits[0][TensorIndex.Slice(0, 1), TensorIndex.Colon, TensorIndex.Slice(0, h), TensorIndex.Slice(0, w)];
        Assert.True((inBatch - soloOutputs.Logits[0]).abs().max().item<float>() > 1e-4f, "batch padding should change GroupNorm statistics");
    }

    [Fact]
    public void BatchesWithoutNormalisationAreTakenAsTheyAre()
    {
        manual_seed(33);
        using var model = new Defcn(new TinyBackbone(), numClasses: 1, head: new HeadOptions(NumConvs: 1));
        Assert.Null(model.Normalization);
        var images = randn(1, 3, 64, 64);
        using var batch = new ImageBatch(images, new[] { (64, 64) }, new[] { (64, 64) }, new long[] { 0 });
        using var x = model.Preprocess(batch);
        Assert.True(x.equal(images).all().item<bool>());
    }
}
