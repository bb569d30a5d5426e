namespace Research.Core.Modeling.Backbone;

/// <summary>
/// Builds the DeFCN backbone: ResNet (res3..res5) + FPN P3..P7 with P6/P7 from P5, as cvpods'
/// build_retinanet_resnet_fpn_p5_backbone with the DeFCN config. Defaults are the reference's
/// (ResNet-50, FrozenBN, freeze_at 2, stride in 1×1, FPN 256 channels without norm).
/// </summary>
public static class ResNetFpnBuilder
{
    /// <summary>Creates the backbone. Set the torch seed first for reproducible initial weights.</summary>
    /// <param name="depth">ResNet depth: 18, 34, 50, 101 (152).</param>
    /// <param name="norm">ResNet norm: "FrozenBN", "BN", "GN" or "".</param>
    /// <param name="freezeAt">0 none, 1 stem, k ≥ 2 stem and res2..res_k.</param>
    /// <param name="strideInOneByOne">Bottleneck stride in the first 1×1 conv (MSRA/Caffe2 layout).</param>
    /// <param name="stemOutChannels">Stem width (64).</param>
    /// <param name="res2OutChannels">res2 width, doubled per stage; default 64 for depth 18/34 and 256 otherwise.</param>
    /// <param name="widthPerGroup">Bottleneck width per group in res2 (64).</param>
    /// <param name="numGroups">Bottleneck groups (1).</param>
    /// <param name="outChannels">FPN channels (256).</param>
    /// <param name="fpnNorm">FPN conv norm ("" in the reference).</param>
    /// <param name="topLevels">2 → P3..P7, 1 → P3..P6, 0 → P3..P5.</param>
    /// <param name="topBlockFromP5">P6 from P5 (DeFCN) or from res5.</param>
    /// <param name="inChannels">Image channels (3).</param>
    public static Fpn Build(
        // ResNet
        int depth = 50, string norm = Norm.FrozenBN, int freezeAt = 2, bool strideInOneByOne = true,
        int stemOutChannels = 64, int? res2OutChannels = null, int widthPerGroup = 64, int numGroups = 1,
        // FPN
        int outChannels = 256, string fpnNorm = Norm.None, int topLevels = 2, bool topBlockFromP5 = true,
        // input
        int inChannels = 3)
    {
        var bottomUp = new ResNet(depth, norm, freezeAt, new[] { "res3", "res4", "res5" }, strideInOneByOne,
            stemOutChannels, res2OutChannels, widthPerGroup, numGroups, inChannels);
        return new Fpn(bottomUp, outChannels, fpnNorm, topLevels, topBlockFromP5);
    }
}
