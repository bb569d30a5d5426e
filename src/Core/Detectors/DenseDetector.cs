using Research.Core.Assignment;
using Research.Core.Data;
using Research.Core.Dense;
using Research.Core.Inference;
using Research.Core.Losses;
using Research.Core.Modeling;
using Research.Core.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Research.Core.Detectors;

/// <summary>
/// The part every dense detector shares (detectron2 <c>DenseDetector</c>): normalise and pad the images,
/// backbone → per-level features → head, shifts at every location, and two entry points — <see cref="Losses"/>
/// (training) and <see cref="Predict(ImageBatch)"/> (inference). A specialisation (<see cref="Defcn"/>) supplies
/// the head, its assignment rule(s) and losses, and its post-processor. State-dict keys are <c>backbone.*</c> and
/// <c>head.*</c>, as the reference's.
/// </summary>
public abstract class DenseDetector : Module<Tensor, HeadOutputs>
{
    private readonly Module<Tensor, Tensor[]> _backbone;
    private readonly Module<Tensor[], HeadOutputs> _head;
    private readonly IDenseHead _denseHead;

    /// <summary>Registers backbone and head (in that order, as the reference's state dict).</summary>
    /// <param name="name">Module name.</param>
    /// <param name="backbone">Images (N, 3, H, W) → L maps (N, C, H_l, W_l), finest first; must implement <see cref="IBackbone"/>.</param>
    /// <param name="head">Builds the head for the backbone's output shapes.</param>
    /// <param name="normalization">Pixel normalisation applied to raw batches; null when batches arrive normalised.</param>
    /// <param name="shiftOffset">Shift offset in strides (SHIFT_GENERATOR.OFFSET, 0.5 in the DeFCN configs).</param>
    /// <param name="sizeDivisibility">Images are padded bottom/right to a multiple of this (32 in the reference).</param>
    protected DenseDetector(string name, Module<Tensor, Tensor[]> backbone,
        Func<IReadOnlyList<ShapeSpec>, Module<Tensor[], HeadOutputs>> head, PixelNormalization? normalization,
        double shiftOffset, int sizeDivisibility) : base(name)
    {
        if (backbone is not IBackbone spec)
            throw new ArgumentException($"the backbone ({backbone.GetType().Name}) must implement IBackbone to report its output channels and strides", nameof(backbone));
        if (sizeDivisibility < 1) throw new ArgumentException($"input.size_divisibility must be ≥ 1, got {sizeDivisibility}", nameof(sizeDivisibility));
        normalization?.Validate();
        _backbone = backbone;
        BackboneShapes = spec.OutputShapes.ToArray();
        _head = head(BackboneShapes);
        _denseHead = _head as IDenseHead ?? throw new ArgumentException($"the head ({_head.GetType().Name}) must implement IDenseHead", nameof(head));
        Normalization = normalization;
        SizeDivisibility = sizeDivisibility;
        ShiftGenerator = new ShiftGenerator(BackboneShapes.Select(s => s.Stride).ToArray(), shiftOffset);
        register_module("backbone", _backbone);
        register_module("head", _head);
        // Trainable BatchNorm + channels-last gave gradients up to 9% (relative to the tensor's largest entry)
        // away from the NCHW path on the quickstart model while losses agreed to 1e-7 (thread-count noise: 7e-5),
        // and a different training run (bbox/AP50 0.548 against 0.658); the FrozenBN / GN / no-norm layouts are
        // pinned to the official gradients (DefcnGradientParityTests). So channels-last is the default only there.
        ChannelsLast = !backbone.modules().Any(m => m is TorchSharp.Modules.BatchNorm);
    }

    /// <summary>The backbone (e.g. ResNet + FPN).</summary>
    public Module<Tensor, Tensor[]> Backbone => _backbone;

    /// <summary>The head module.</summary>
    public Module<Tensor[], HeadOutputs> HeadModule => _head;

    /// <summary>Channels and stride of each backbone output level.</summary>
    public IReadOnlyList<ShapeSpec> BackboneShapes { get; }

    /// <summary>Shift generator with the backbone's strides.</summary>
    public ShiftGenerator ShiftGenerator { get; }

    /// <summary>Normalisation of raw batches, or null when batches arrive normalised (tracking crops).</summary>
    public PixelNormalization? Normalization { get; }

    /// <summary>Padding multiple of the input (32).</summary>
    public int SizeDivisibility { get; }

    /// <summary>Number of classes K.</summary>
    public int NumClasses => _denseHead.NumClasses;

    /// <summary>Name of level l after its stride, "p3" for stride 8.</summary>
    public string LevelName(int level) => _denseHead.LevelName(level);

    /// <summary>
    /// Runs backbone and head on channels-last (NHWC-stored) activations (<see cref="MemoryLayout"/>): the
    /// same values, faster convolutions on the CPU backend. On by default unless the backbone has trainable
    /// BatchNorm (see the constructor); the head outputs are NCHW-contiguous either way, and parameters stay
    /// NCHW-contiguous (state dicts and checkpoints are unaffected).
    /// </summary>
    public bool ChannelsLast { get; set; }

    /// <summary>The rule whose assignment is drawn in pictures (the one-to-one rule for DeFCN).</summary>
    public abstract IAssignmentRule AssignmentRule { get; }

    /// <summary>The test-time post-processor of <paramref name="settings"/> (thresholds, top-k, NMS, detections per image).</summary>
    public abstract IPostProcessor CreatePostProcessor(InferenceSettings settings);

    /// <summary>The detector's own test settings (config <c>model.test</c>).</summary>
    public abstract InferenceSettings InferenceSettings { get; }

    /// <summary>
    /// Training losses of predictions flattened over levels and the batch's targets (named dictionary plus diagnostics).
    /// </summary>
    protected abstract DetectorLosses ComputeLosses(DensePredictions predictions, IReadOnlyList<DetectionTarget> targets);

    /// <summary>
    /// images (N, 3, H, W), normalised and padded to a multiple of <see cref="SizeDivisibility"/> → per-level head
    /// outputs (logits (N, K, H_l, W_l), box regression (N, 4, H_l, W_l), quality logits (N, 1, H_l, W_l) or null).
    /// </summary>
    public override HeadOutputs forward(Tensor images) => Forward(images, null);

    /// <summary>As <see cref="forward"/>, reporting backbone outputs and head stages to <paramref name="probe"/>.</summary>
    public HeadOutputs Forward(Tensor images, StageProbe? probe)
    {
        if (images.dim() != 4 || images.shape[1] != 3)
            throw new ArgumentException($"images must be (N, 3, H, W), got ({string.Join(", ", images.shape)})");
        using var scope = NewDisposeScope();
        var input = ChannelsLast ? MemoryLayout.ToChannelsLast(images) : images;   // (N, 3, H, W)
        var features = _backbone.call(input);       // L × (N, C, H_l, W_l); call() runs forward hooks (trace)
        if (probe != null)
            for (var l = 0; l < features.Length; l++) probe($"backbone.{LevelName(l)}", features[l]);
        return _denseHead.Forward(features, probe).MoveToOuterDisposeScope();
    }

    /// <summary>Per-level shifts (H_l·W_l, 2) float32 (x, y) for the level sizes of <paramref name="outputs"/>.</summary>
    public Tensor[] Shifts(HeadOutputs outputs) => ShiftGenerator.GridShifts(outputs.LevelSizes, outputs.Logits[0].device);

    /// <summary>
    /// The model input of a batch on the detector's device: images (N, 3, H, W) normalised with
    /// <see cref="Normalization"/> (when set), zero outside each image's <see cref="ImageBatch.ImageSizes"/>, padded
    /// bottom/right to a multiple of <see cref="SizeDivisibility"/> (cvpods preprocess_image + ImageList.from_tensors).
    /// A new tensor in the caller's dispose scope.
    /// </summary>
    public Tensor Preprocess(ImageBatch batch)
    {
        using var scope = NewDisposeScope();
        var x = batch.Images.to(Device);                                          // (N, 3, H, W)
        if (Normalization is not null)
        {
            var mean = tensor(Normalization.Mean.ToArray(), device: x.device).reshape(1, 3, 1, 1);
            var std = tensor(Normalization.Std.ToArray(), device: x.device).reshape(1, 3, 1, 1);
            x = (x - mean) / std;
            // The padding is zero after normalisation, as the reference pads normalised images.
            long height = x.shape[2], width = x.shape[3];
            using (no_grad())
                for (var i = 0; i < batch.Count; i++)
                {
                    var (h, w) = batch.ImageSizes[i];
                    if (h < height) x[i, TensorIndex.Colon, TensorIndex.Slice(h, null)].zero_();
                    if (w < width) x[i, TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(w, null)].zero_();
                }
        }
        var d = SizeDivisibility;
        long padH = (x.shape[2] + d - 1) / d * d - x.shape[2], padW = (x.shape[3] + d - 1) / d * d - x.shape[3];
        if (padH > 0 || padW > 0) x = functional.pad(x, new[] { 0, padW, 0, padH });
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Image <paramref name="index"/> of preprocessed images (N, 3, H, W) on its own: (1, 3, h', w') with its size
    /// rounded up to <see cref="SizeDivisibility"/> (what a batch of this image alone would be).
    /// </summary>
    private Tensor ImageAlone(Tensor images, (int Height, int Width) size, int index)
    {
        var d = SizeDivisibility;
        long ph = Math.Min(images.shape[2], (size.Height + d - 1) / d * d), pw = Math.Min(images.shape[3], (size.Width + d - 1) / d * d);
        return images.narrow(0, index, 1).narrow(2, 0, ph).narrow(3, 0, pw).contiguous();   // (1, 3, h', w')
    }

    /// <summary>The device of the detector's parameters (CPU for a module without parameters).</summary>
    public Device Device => parameters().FirstOrDefault()?.device ?? CPU;

    /// <summary>
    /// Training losses of a batch with targets (boxes (M, 4) XYXY in each image's resized frame): preprocess,
    /// forward, shifts, the specialisation's assignment and losses. Tensors live in the caller's dispose scope.
    /// </summary>
    public DetectorLosses Losses(ImageBatch batch)
    {
        if (batch.Targets == null) throw new ArgumentException("a training batch needs targets", nameof(batch));
        var device = Device;
        var images = Preprocess(batch);
        var outputs = forward(images);
        var predictions = DensePredictions.From(outputs, Shifts(outputs));
        var targets = batch.Targets.Select(t => t.Boxes.device == device ? t : t.To(device)).ToArray();
        return ComputeLosses(predictions, targets);
    }

    /// <summary>Detections of every image with the detector's own test settings (see <see cref="Predict(ImageBatch, IReadOnlyList{InferenceSettings})"/>).</summary>
    public IReadOnlyList<Detections> Predict(ImageBatch batch) => Predict(batch, new[] { InferenceSettings })[0];

    /// <summary>
    /// Runs the detector in eval mode without gradients on each image of the batch alone (cut to its own size
    /// padded to <see cref="SizeDivisibility"/>, as the reference evaluates one image per device, so that an
    /// image's detections never depend on its batch-mates — GroupNorm statistics include the padding), and
    /// decodes every image with each of <paramref name="variants"/>. Returns [variant][image] detections in the
    /// original image frame (boxes (D, 4) XYXY float32, scores (D), classes (D) int64). The caller disposes them.
    /// The module's training flag is restored afterwards.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<Detections>> Predict(ImageBatch batch, IReadOnlyList<InferenceSettings> variants)
    {
        if (variants.Count == 0) throw new ArgumentException("at least one set of test settings is needed", nameof(variants));
        var processors = variants.Select(CreatePostProcessor).ToArray();
        var results = variants.Select(_ => new List<Detections>(batch.Count)).ToArray();
        var wasTraining = training;
        eval();
        try
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var images = Preprocess(batch);                                       // (N, 3, H, W)
            for (var i = 0; i < batch.Count; i++)
            {
                using var imageScope = NewDisposeScope();
                using var outputs = forward(ImageAlone(images, batch.ImageSizes[i], i));
                var shifts = Shifts(outputs);
                for (var v = 0; v < processors.Length; v++)
                {
                    var detections = processors[v].Process(outputs, shifts, new[] { batch.ImageSizes[i] }, new[] { batch.OriginalSizes[i] })[0];
                    results[v].Add(detections.DetachFromDisposeScope());
                }
            }
        }
        finally
        {
            if (wasTraining) train();
        }
        return results;
    }

    /// <summary>
    /// The assignment of <see cref="AssignmentRule"/> for image <paramref name="image"/> of a batch with targets, on
    /// the detector's eval-mode predictions for that image alone (no gradient): per-shift targets with the
    /// quality matrix when the rule has one, and the (H_l, W_l) of each level. For pictures and analysis.
    /// </summary>
    public (ShiftTargets Targets, IReadOnlyList<(int Height, int Width)> LevelSizes) ExplainAssignment(ImageBatch batch, int image = 0)
    {
        if (batch.Targets == null) throw new ArgumentException("explaining an assignment needs a batch with targets", nameof(batch));
        var wasTraining = training;
        eval();
        try
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            using var outputs = forward(ImageAlone(Preprocess(batch), batch.ImageSizes[image], image));
            using var predictions = DensePredictions.From(outputs, Shifts(outputs));
            var target = batch.Targets[image].To(Device);
            var result = AssignmentRule.Assign(predictions, new[] { target });
            result.Classes.MoveToOuterDisposeScope();
            result.RegTargets?.MoveToOuterDisposeScope();
            return (result, predictions.LevelSizes);
        }
        finally
        {
            if (wasTraining) train();
        }
    }
}
