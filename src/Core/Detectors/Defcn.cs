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

/// <summary>
/// DeFCN (official fcos.py FCOS) on the dense-detector base: the DeFCN head (with or without 3D Max Filtering),
/// a one-to-one rule (POTO by default; POTO argmax, the foreground-loss, center or anchor rule), the optional auxiliary
/// one-to-many loss, and NMS-free post-processing with score = sigmoid(cls)·sigmoid(filter). With the anchor rule the
/// box branch predicts (dx, dy, dw, dh) against one square anchor per location (official anchor...3x_ms). State-dict keys equal the official model's
/// (<c>backbone.bottom_up.res2.0.conv1.weight</c>, <c>head.cls_subnet.0.weight</c>, ...).
/// </summary>
public sealed class Defcn : DenseDetector
{
    private readonly DefcnCriterion _criterion;

    /// <summary>Creates the detector.</summary>
    /// <param name="backbone">A <c>Module&lt;Tensor, Tensor[]&gt;</c> that also implements <see cref="IBackbone"/>:
    /// images (N, 3, H, W) → L maps (N, C, H_l, W_l), finest first.</param>
    /// <param name="numClasses">Number of classes K (config <c>model.num_classes</c>).</param>
    /// <param name="head">Towers, prior and tower norm (config <c>model.head</c>); null = reference.</param>
    /// <param name="filter">Filter branch and 3D Max Filtering (config <c>model.filter</c>); null = reference.</param>
    /// <param name="inference">Test-time post-processing (config <c>model.test</c>); null = reference.</param>
    /// <param name="poto">Assignment (config <c>model.poto</c>); null = reference.</param>
    /// <param name="loss">Focal α/γ and GIoU weight (config <c>model.loss</c>); null = reference.</param>
    /// <param name="auxiliaryLoss">The auxiliary one-to-many loss <c>loss_cls_aux</c> (config <c>model.loss.aux</c>).</param>
    /// <param name="normalization">Pixel normalisation of raw batches (config <c>input.pixel_mean/std</c>); null when batches arrive normalised.</param>
    /// <param name="shiftOffset">Shift offset in strides (SHIFT_GENERATOR.OFFSET, 0.5 in the DeFCN configs).</param>
    /// <param name="sizeDivisibility">Input padding multiple (config <c>input.size_divisibility</c>).</param>
    /// <param name="center">The center rule's size range per level (config <c>model.center.size_bounds</c>); null = the
    /// reference's ranges for the backbone's levels.</param>
    /// <param name="centerTopK">The center rule's nearest shifts per level (config <c>model.center.distance_topk</c>).</param>
    /// <param name="anchorSizes">The anchor rule's anchor side per level (config <c>model.anchor.sizes</c>); null = 4 × stride.</param>
    /// <param name="ignoreRegions">Mark background shifts inside the targets' ignore regions −1 (<see cref="IgnoreRegionRule"/>,
    /// config <c>input.ignore_regions: ignore</c>); false = they train as background, as the official variants.</param>
    public Defcn(Module<Tensor, Tensor[]> backbone, int numClasses, HeadOptions? head = null, FilterOptions? filter = null,
        InferenceSettings? inference = null, PotoOptions? poto = null, DefcnLossOptions? loss = null, bool auxiliaryLoss = true,
        PixelNormalization? normalization = null, double shiftOffset = 0.5, int sizeDivisibility = 32,
        IReadOnlyList<(double Low, double High)>? center = null, int centerTopK = 1, IReadOnlyList<double>? anchorSizes = null,
        bool ignoreRegions = false)
        : base(nameof(Defcn), backbone,
               shapes => new DefcnHead(shapes, numClasses, head, filter, anchorDeltas: (poto ?? PotoOptions.Reference).Rule == OneToOneRule.Anchor),
               normalization, shiftOffset, sizeDivisibility)
    {
        InferenceSettings = inference ?? InferenceSettings.Reference;
        InferenceSettings.Validate();
        Poto = poto ?? PotoOptions.Reference;
        var strides = BackboneShapes.Select(s => s.Stride).ToArray();
        var losses = loss ?? DefcnLossOptions.Reference;
        AnchorBoxCoder? anchors = null;
        if (Poto.Rule == OneToOneRule.Anchor)
        {
            if (auxiliaryLoss)
                throw new ArgumentException("the anchor rule has no auxiliary loss (its boxes are anchor deltas, the auxiliary rule scores (l, t, r, b) boxes): set model.loss.aux: false with model.assignment: anchor");
            anchors = new AnchorBoxCoder(anchorSizes ?? AnchorBoxCoder.ReferenceSizes(strides));
            if (anchors.Sizes.Count != strides.Length)
                throw new ArgumentException($"model.anchor.sizes has {anchors.Sizes.Count} sizes for {strides.Length} FPN levels");
        }
        IAssignmentRule oneToOne = Poto.Rule switch
        {
            OneToOneRule.PotoArgmax => new PotoArgmaxAssigner(strides, numClasses, Poto.Alpha, Poto.CenterSamplingRadius),
            // The pair cost is the training loss itself: focal on the score the main loss sees, plus weighted GIoU.
            OneToOneRule.ForegroundLoss => new ForegroundLossAssigner(strides, numClasses, Poto.CenterSamplingRadius,
                (logits, quality, targets) => quality is null
                    ? FocalLoss.OnLogitsPerElement(logits, targets, losses.FocalAlpha, losses.FocalGamma)
                    : FocalLoss.OnProbabilitiesPerElement(logits.sigmoid() * quality.sigmoid(), targets, losses.FocalAlpha, losses.FocalGamma),
                IouLoss.GIoUPerPair, losses.RegWeight),
            OneToOneRule.Anchor => new AnchorRuleAssigner(anchors!, numClasses),
            OneToOneRule.Center => new CenterRuleAssigner(
                center ?? CenterRuleAssigner.RangesFromBounds(new[] { 64.0, 128.0, 256.0, 512.0 }.Take(strides.Length - 1).ToArray()),
                numClasses, centerTopK),
            _ => new PotoAssigner(strides, numClasses, Poto.Alpha, Poto.CenterSamplingRadius),
        };
        IAssignmentRule? auxiliary = auxiliaryLoss ? new AuxAssigner(numClasses, Poto.Alpha, Poto.AuxTopK) : null;
        if (ignoreRegions)
        {
            oneToOne = new IgnoreRegionRule(oneToOne, numClasses);
            if (auxiliary is not null) auxiliary = new IgnoreRegionRule(auxiliary, numClasses);
        }
        _criterion = new DefcnCriterion(oneToOne, auxiliary, losses, anchors);
        PostProcessor = new DetectionPostProcessor(InferenceSettings, anchors);
    }

    /// <summary>The head.</summary>
    public DefcnHead Head => (DefcnHead)HeadModule;

    /// <summary>Assignment settings in use.</summary>
    public PotoOptions Poto { get; }

    /// <summary>The training objective (POTO, auxiliary rule, focal and GIoU losses).</summary>
    public DefcnCriterion Criterion => _criterion;

    /// <summary>The post-processor of the detector's own test settings.</summary>
    public DetectionPostProcessor PostProcessor { get; }

    /// <inheritdoc />
    public override InferenceSettings InferenceSettings { get; }

    /// <inheritdoc />
    public override IAssignmentRule AssignmentRule => _criterion.Rule;

    /// <inheritdoc />
    public override IPostProcessor CreatePostProcessor(InferenceSettings settings) =>
        settings == InferenceSettings ? PostProcessor : new DetectionPostProcessor(settings, PostProcessor.BoxTransform);

    /// <inheritdoc />
    protected override DetectorLosses ComputeLosses(DensePredictions predictions, IReadOnlyList<DetectionTarget> targets) =>
        _criterion.Compute(predictions, targets);
}
