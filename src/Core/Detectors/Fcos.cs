using Research.Core.Assignment;
using Research.Core.Data;
using Research.Core.Dense;
using Research.Core.Inference;
using Research.Core.Losses;
using Research.Core.Modeling;
using Research.Core.Modeling.Head;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Research.Core.Detectors;

/// <summary>Which one-to-many rule an FCOS-style detector trains with (config <c>model.assignment</c>).</summary>
public enum OneToManyRule
{
    /// <summary>FCOS: centre sampling and per-level size ranges, smallest GT wins (<see cref="FcosAssigner"/>).</summary>
    Fcos,

    /// <summary>ATSS: top-k nearest per level, mean + std IoU threshold, highest IoU wins (<see cref="AtssAssigner"/>).</summary>
    Atss,
}

/// <summary>
/// FCOS's constants (config <c>model.fcos</c>); defaults are the official fcos.res50.fpn.coco.800size.3x_ms
/// (CENTER_SAMPLING_RADIUS 1.5, OBJECT_SIZES_OF_INTEREST [−1, 64], ..., [512, ∞], no REG_WEIGHT: 1).
/// </summary>
/// <param name="CenterSamplingRadius">Centre-box radius in strides (0 = inside the GT).</param>
/// <param name="SizeBounds">Bounds between the levels' size ranges; null = 64, 128, 256, 512 cut to the levels.</param>
/// <param name="RegWeight">Weight of the GIoU loss.</param>
public sealed record FcosOptions(double CenterSamplingRadius = 1.5, IReadOnlyList<double>? SizeBounds = null, double RegWeight = 1.0)
{
    /// <summary>The reference settings.</summary>
    public static FcosOptions Reference { get; } = new();
}

/// <summary>
/// ATSS's constants (config <c>model.atss</c>); defaults are the official atss.res50.fpn.crowdhuman.800size.30k
/// (ANCHOR_SCALE 8, TOPK 9, REG_WEIGHT 2.0).
/// </summary>
/// <param name="AnchorScale">Side of the virtual anchor in strides.</param>
/// <param name="TopK">Nearest shifts per level and GT.</param>
/// <param name="RegWeight">Weight of the centerness-weighted GIoU loss.</param>
public sealed record AtssOptions(double AnchorScale = 8, int TopK = 9, double RegWeight = 2.0)
{
    /// <summary>The reference settings.</summary>
    public static AtssOptions Reference { get; } = new();
}

/// <summary>
/// The paper's one-to-many baselines on the dense-detector base: FCOS (cvpods meta_arch/fcos.py, the official
/// fcos.res50.fpn.coco.800size.3x_ms), FCOS without centerness (fcos...wo_ctrness) and ATSS (DeFCN's
/// atss...crowdhuman, which is cvpods FCOS with the ATSS rule and REG_WEIGHT 2). The head is DeFCN's towers with a
/// centerness branch on the box tower and no filter branch; losses are <see cref="FcosCriterion"/>; inference ranks
/// sqrt(sigmoid(cls)·sigmoid(centerness)) (sigmoid(cls) without centerness) and applies class-wise NMS (0.6 by default).
/// </summary>
public sealed class Fcos : DenseDetector
{
    /// <summary>The official test settings of FCOS and ATSS: NMS at 0.6, otherwise the reference's.</summary>
    public static InferenceSettings ReferenceInference { get; } = InferenceSettings.Reference with { NmsThresh = 0.6 };

    /// <summary>Creates the detector.</summary>
    /// <param name="backbone">A <c>Module&lt;Tensor, Tensor[]&gt;</c> that also implements <see cref="IBackbone"/>.</param>
    /// <param name="numClasses">Number of classes K.</param>
    /// <param name="rule">FCOS or ATSS (config <c>model.assignment</c>).</param>
    /// <param name="centerness">The centerness branch (config <c>model.head.centerness</c>; false = wo_ctrness).</param>
    /// <param name="head">Towers and prior (config <c>model.head</c>); null = reference.</param>
    /// <param name="inference">Test-time post-processing (config <c>model.test</c>); null = <see cref="ReferenceInference"/>.</param>
    /// <param name="fcos">FCOS's constants (config <c>model.fcos</c>); null = reference.</param>
    /// <param name="atss">ATSS's constants (config <c>model.atss</c>); null = reference.</param>
    /// <param name="focalAlpha">Focal α (config <c>model.loss.focal_alpha</c>).</param>
    /// <param name="focalGamma">Focal γ (config <c>model.loss.focal_gamma</c>).</param>
    /// <param name="normalization">Pixel normalisation of raw batches; null when batches arrive normalised.</param>
    /// <param name="shiftOffset">Shift offset in strides (0.5).</param>
    /// <param name="sizeDivisibility">Input padding multiple (32).</param>
    /// <param name="ignoreRegions">Mark background shifts inside the targets' ignore regions −1 (<see cref="IgnoreRegionRule"/>).</param>
    public Fcos(Module<Tensor, Tensor[]> backbone, int numClasses, OneToManyRule rule = OneToManyRule.Fcos, bool centerness = true,
        HeadOptions? head = null, InferenceSettings? inference = null, FcosOptions? fcos = null, AtssOptions? atss = null,
        double focalAlpha = 0.25, double focalGamma = 2.0, PixelNormalization? normalization = null, double shiftOffset = 0.5, int sizeDivisibility = 32,
        bool ignoreRegions = false)
        : base(nameof(Fcos), backbone,
               shapes => new DefcnHead(shapes, numClasses, head, FilterOptions.Reference with { Enabled = false }, withCenterness: centerness),
               normalization, shiftOffset, sizeDivisibility)
    {
        InferenceSettings = inference ?? ReferenceInference;
        InferenceSettings.Validate();
        Rule = rule;
        var strides = BackboneShapes.Select(s => s.Stride).ToArray();
        IAssignmentRule assigner;
        double regWeight;
        if (rule == OneToManyRule.Atss)
        {
            var a = atss ?? AtssOptions.Reference;
            assigner = new AtssAssigner(strides, numClasses, a.AnchorScale, a.TopK);
            regWeight = a.RegWeight;
        }
        else
        {
            var f = fcos ?? FcosOptions.Reference;
            var bounds = f.SizeBounds ?? new[] { 64.0, 128.0, 256.0, 512.0 }.Take(strides.Length - 1).ToArray();
            if (bounds.Count != strides.Length - 1)
                throw new ArgumentException($"model.fcos.size_bounds has {bounds.Count} bounds but the FPN has {strides.Length} levels (one bound between each pair of levels)");
            assigner = new FcosAssigner(strides, CenterRuleAssigner.RangesFromBounds(bounds), numClasses, f.CenterSamplingRadius);
            regWeight = f.RegWeight;
        }
        if (ignoreRegions) assigner = new IgnoreRegionRule(assigner, numClasses);
        Criterion = new FcosCriterion(assigner, centerness, regWeight, focalAlpha, focalGamma);
        PostProcessor = new DetectionPostProcessor(InferenceSettings);
    }

    /// <summary>FCOS or ATSS.</summary>
    public OneToManyRule Rule { get; }

    /// <summary>The head (DeFCN towers, centerness on the box tower, no filter branch).</summary>
    public DefcnHead Head => (DefcnHead)HeadModule;

    /// <summary>The training objective.</summary>
    public FcosCriterion Criterion { get; }

    /// <summary>The post-processor of the detector's own test settings.</summary>
    public DetectionPostProcessor PostProcessor { get; }

    /// <inheritdoc />
    public override InferenceSettings InferenceSettings { get; }

    /// <inheritdoc />
    public override IAssignmentRule AssignmentRule => Criterion.Rule;

    /// <inheritdoc />
    public override IPostProcessor CreatePostProcessor(InferenceSettings settings) =>
        settings == InferenceSettings ? PostProcessor : new DetectionPostProcessor(settings);

    /// <inheritdoc />
    protected override DetectorLosses ComputeLosses(DensePredictions predictions, IReadOnlyList<DetectionTarget> targets) =>
        Criterion.Compute(predictions, targets);
}
