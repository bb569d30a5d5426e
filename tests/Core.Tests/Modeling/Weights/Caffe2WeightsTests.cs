using Research.Core.Modeling.Backbone;
using Research.Core.Modeling.Weights;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Modeling.Weights;

/// <summary>
/// The MSRA / Detectron Caffe2 R-50.pkl naming into our ResNet: cvpods' renaming, AffineChannel scale and bias into
/// FrozenBN with its identity statistics kept, the classifier ignored, and the forward of the Caffe2 network.
/// </summary>
public sealed class Caffe2WeightsTests
{
    [Theory]
    [InlineData("conv1_w", "stem.conv1.weight")]
    [InlineData("res_conv1_bn_s", "stem.conv1.norm.weight")]
    [InlineData("res_conv1_bn_b", "stem.conv1.norm.bias")]
    [InlineData("res2_0_branch1_w", "res2.0.shortcut.weight")]
    [InlineData("res2_0_branch1_bn_b", "res2.0.shortcut.norm.bias")]
    [InlineData("res2_0_branch2a_w", "res2.0.conv1.weight")]
    [InlineData("res3_1_branch2b_bn_s", "res3.1.conv2.norm.weight")]
    [InlineData("res5_2_branch2c_w", "res5.2.conv3.weight")]
    [InlineData("res4_0_branch2a_bn_rm", "res4.0.conv1.norm.running_mean")]
    [InlineData("res4_0_branch2a_bn_riv", "res4.0.conv1.norm.running_var")]
    [InlineData("res4_12_branch2c_bn_b", "res4.12.conv3.norm.bias")]
    public void BlobNamesFollowCvpodsConversion(string blob, string ours) => Assert.Equal(ours, Caffe2ResNetNames.ToOurs(blob));

    [Fact]
    public void TheClassifierHasNoPlace()
    {
        Assert.Null(Caffe2ResNetNames.ToOurs("fc1000_w"));
        Assert.Null(Caffe2ResNetNames.ToOurs("fc1000_b"));
        Assert.Null(Caffe2ResNetNames.ToOurs("pred_w"));
    }

    [Fact]
    public void NarrowMsraR50LoadsExactlyWithIdentityStatisticsAndComputesTheCaffe2Network()
    {
        var path = WeightFixtures.Path("c2_r50_narrow.pkl");
        var io = WeightFixtures.Read("c2_r50_narrow_io.safetensors");
        using var model = WeightFixtures.Caffe2R50();
        try
        {
            var loaded = BackboneWeights.Load(model, path);
            Assert.Equal(ResNetKeyNaming.Caffe2, loaded.Naming);
            Assert.Same(PretrainedConvention.Msra, loaded.Convention);
            Assert.True(loaded.Report.IsExact);
            Assert.Equal(new[] { "fc1000_b", "fc1000_w" }, loaded.Report.Ignored.OrderBy(k => k, StringComparer.Ordinal));
            // 53 norm layers (stem + 16 blocks × 3 + 4 shortcuts), weight and bias from the file, statistics kept.
            Assert.Equal(159, loaded.Report.Loaded.Count);
            Assert.Equal(106, loaded.Report.Kept.Count);
            Assert.Contains("res3.0.shortcut.norm.running_var", loaded.Report.Kept);

            var state = model.state_dict();
            Assert.True(state["stem.conv1.norm.weight"].equal(io["blob.res_conv1_bn_s"]).all().item<bool>());
            Assert.True(state["res4.1.conv2.weight"].equal(io["blob.res4_1_branch2b_w"]).all().item<bool>());
            using (var expectedVar = full(2L, 1 - 1e-5f)) Assert.True(state["res2.0.conv1.norm.running_var"].equal(expectedVar).all().item<bool>());
            Assert.Equal(0f, state["res5.2.conv3.norm.running_mean"].abs().max().item<float>());
            WeightFixtures.AssertFeatures(model, io["input"], io, "");
        }
        finally { WeightFixtures.DisposeAll(io.Values); }
    }

    [Fact]
    public void TheTorchvisionStrideLayoutDoesNotHideAWrongConfigurationButTheConventionTellsIt()
    {
        // The keys and shapes of the MSRA file fit a network with the stride in the 3×3 conv too: only the convention
        // (checked by the run against model.backbone.stride_in_1x1) tells the two apart.
        using var wrong = WeightFixtures.TorchvisionR50(strideInOneByOne: false);
        var loaded = BackboneWeights.Load(wrong, WeightFixtures.Path("c2_r50_narrow.pkl"));
        Assert.True(loaded.Report.IsExact);
        Assert.True(loaded.Convention!.StrideInOneByOne);
    }
}
