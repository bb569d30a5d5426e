using Research.Core.Data;
using Research.Core.Inference;
using Research.Core.Modeling.Head;
using Research.Core.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Research.Core.Modeling;

/// <summary>
/// The DeFCN detector's network (official fcos.py FCOS): a backbone producing P3..P7 and the DeFCN head,
/// plus the shift generator and the NMS-free post-processor. State-dict keys equal the official model's
/// (<c>backbone.bottom_up.res2.0.conv1.weight</c>, <c>head.cls_subnet.0.weight</c>, ...). The training loss
/// (POTO, auxiliary loss) is separate and consumes <see cref="forward"/>'s outputs with <see cref="Shifts"/>.
/// </summary>
public sealed class Defcn : Module<Tensor, HeadOutputs>
{
    private readonly Module<Tensor, Tensor[]> backbone;
    private readonly DefcnHead head;

    /// <summary>Creates the network.</summary>
    /// <param name="backbone">A <c>Module&lt;Tensor, Tensor[]&gt;</c> that also implements <see cref="IBackbone"/>:
    /// images (N, 3, H, W) → L maps (N, C, H_l, W_l), finest first.</param>
    /// <param name="numClasses">Number of classes K (config <c>model.num_classes</c>).</param>
    /// <param name="head">Towers and prior (config <c>model.head</c>); null = reference.</param>
    /// <param name="filter">Filter branch and 3D Max Filtering (config <c>model.filter</c>); null = reference.</param>
    /// <param name="inference">Test-time post-processing (config <c>model.test</c>); null = reference.</param>
    /// <param name="shiftOffset">Shift offset in strides (SHIFT_GENERATOR.OFFSET, 0.5 in the DeFCN configs).</param>
    public Defcn(Module<Tensor, Tensor[]> backbone, int numClasses, HeadSettings? head = null, FilterSettings? filter = null,
        InferenceSettings? inference = null, double shiftOffset = 0.5) : base(nameof(Defcn))
    {
        if (backbone is not IBackbone spec)
            throw new ArgumentException($"the backbone ({backbone.GetType().Name}) must implement IBackbone to report its output channels and strides", nameof(backbone));
        this.backbone = backbone;
        BackboneShapes = spec.OutputShapes.ToArray();
        this.head = new DefcnHead(BackboneShapes, numClasses, head, filter);
        ShiftGenerator = new ShiftGenerator(BackboneShapes.Select(s => s.Stride).ToArray(), shiftOffset);
        PostProcessor = new DetectionPostProcessor(inference);
        RegisterComponents();
        // Trainable BatchNorm + channels-last gave gradients up to 9% (relative to the tensor's largest entry)
        // away from the NCHW path on the quickstart model while losses agreed to 1e-7 (thread-count noise: 7e-5),
        // and a different training run (bbox/AP50 0.548 against 0.658); the FrozenBN / GN / no-norm layouts are
        // pinned to the official gradients (DefcnGradientParityTests). So channels-last is the default only there.
        ChannelsLast = !backbone.modules().Any(m => m is TorchSharp.Modules.BatchNorm);
    }

    /// <summary>The backbone (ResNet + FPN).</summary>
    public Module<Tensor, Tensor[]> Backbone => backbone;

    /// <summary>The head.</summary>
    public DefcnHead Head => head;

    /// <summary>Channels and stride of each backbone output level.</summary>
    public IReadOnlyList<ShapeSpec> BackboneShapes { get; }

    /// <summary>Shift generator with the backbone's strides.</summary>
    public ShiftGenerator ShiftGenerator { get; }

    /// <summary>Inference post-processor.</summary>
    public DetectionPostProcessor PostProcessor { get; }

    /// <summary>Number of classes K.</summary>
    public int NumClasses => head.NumClasses;

    /// <summary>
    /// Runs backbone and head on channels-last (NHWC-stored) activations (<see cref="MemoryLayout"/>): the
    /// same values, faster convolutions on the CPU backend. On by default unless the backbone has trainable
    /// BatchNorm (see the constructor); the head outputs are NCHW-contiguous
    /// either way, and parameters stay NCHW-contiguous (state dicts and checkpoints are unaffected). Backbone
    /// features reported to a probe are channels-last when this is on.
    /// </summary>
    public bool ChannelsLast { get; set; }

    /// <summary>
    /// images (N, 3, H, W), normalised and padded to a multiple of 32 → per-level head outputs: logits
    /// (N, K, H_l, W_l), box regression (N, 4, H_l, W_l), filter logits (N, 1, H_l, W_l) or null.
    /// </summary>
    public override HeadOutputs forward(Tensor images) => Forward(images, null);

    /// <summary>As <see cref="forward"/>, reporting backbone outputs and head stages to <paramref name="probe"/>.</summary>
    public HeadOutputs Forward(Tensor images, StageProbe? probe)
    {
        if (images.dim() != 4 || images.shape[1] != 3)
            throw new ArgumentException($"images must be (N, 3, H, W), got ({string.Join(", ", images.shape)})");
        using var scope = NewDisposeScope();
        var input = ChannelsLast ? MemoryLayout.ToChannelsLast(images) : images;   // (N, 3, H, W)
        var features = backbone.call(input);       // L × (N, C, H_l, W_l); call() runs forward hooks (trace)
        if (probe != null)
            for (var l = 0; l < features.Length; l++) probe($"backbone.{head.LevelName(l)}", features[l]);
        return head.Forward(features, probe).MoveToOuterDisposeScope();
    }

    /// <summary>Per-level shifts (H_l·W_l, 2) float32 (x, y) for the level sizes of <paramref name="outputs"/>.</summary>
    public Tensor[] Shifts(HeadOutputs outputs) => ShiftGenerator.GridShifts(outputs.LevelSizes, outputs.Logits[0].device);

    /// <summary>
    /// Runs the network in eval mode without gradients and post-processes: per image detections in the
    /// original image frame (boxes (D, 4) XYXY float32, scores (D), classes (D) int64), D ≤ detections_per_image.
    /// The module's training flag is restored afterwards.
    /// </summary>
    public IReadOnlyList<Detections> Predict(ImageBatch batch)
    {
        var wasTraining = training;
        eval();
        try
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            using var outputs = Forward(batch.Images, null);
            var shifts = Shifts(outputs);
            return PostProcessor.Process(outputs, shifts, batch.ImageSizes, batch.OriginalSizes);
        }
        finally
        {
            if (wasTraining) train();
        }
    }
}
