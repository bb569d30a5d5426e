namespace Research.Core.Modeling.Weights;

/// <summary>The key names a ResNet weight file uses.</summary>
public enum ResNetKeyNaming
{
    /// <summary>cvpods / detectron2 names, which are ours (<c>stem.conv1.weight</c>, <c>res2.0.conv1.norm.weight</c>), bare
    /// or under <c>bottom_up.</c> / <c>backbone.bottom_up.</c>.</summary>
    Detectron,

    /// <summary>torchvision's (<c>conv1.weight</c>, <c>bn1.*</c>, <c>layer1.0.conv1.weight</c>, <c>fc.*</c>).</summary>
    Torchvision,

    /// <summary>Caffe2 / Detectron blob names of the MSRA files (<c>conv1_w</c>, <c>res2_0_branch2a_bn_s</c>, <c>fc1000_w</c>).</summary>
    Caffe2,
}

/// <summary>What loading a backbone weight file did.</summary>
/// <param name="Report">Keys loaded, ignored, kept, and the differences (in the target module's names).</param>
/// <param name="Naming">The key names the file uses.</param>
/// <param name="Target">What the weights went into: "ResNet" (a bare ResNet file) or "ResNet + FPN".</param>
/// <param name="Convention">The input and stride convention of the weights, when the file tells (torchvision names
/// or a detectron2 pickle by "torchvision": torchvision's; Caffe2 blobs: MSRA's); null for our own names.</param>
public sealed record BackboneWeightsReport(WeightLoadReport Report, ResNetKeyNaming Naming, string Target, PretrainedConvention? Convention)
{
    /// <summary>How the names were read, for messages: "torchvision ResNet names", "Caffe2 (MSRA) blob names", "cvpods names".</summary>
    public string NamingDescription => Naming switch
    {
        ResNetKeyNaming.Torchvision => "torchvision ResNet names",
        ResNetKeyNaming.Caffe2 => "Caffe2 (MSRA) blob names",
        _ => "cvpods names",
    };
}
