using Research.Core.Dense;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace Research.Core.Modeling.Head;

/// <summary>
/// The DeFCN head (official fcos.py FCOSHead, l.576-691), weights shared over levels except the per-level
/// Scale. State keys as the reference: <c>cls_subnet.{3i}</c> conv / <c>cls_subnet.{3i+1}</c> GN,
/// <c>bbox_subnet.*</c>, <c>cls_score</c> (K), <c>bbox_pred</c> (4), <c>max3d.conv/norm</c>, <c>filter</c> (1),
/// <c>scales.{l}.scale</c>. The same head serves the baselines: with <c>centerness</c> it is cvpods' FCOSHead with
/// CENTERNESS_ON_REG (a <c>centerness</c> conv (1) on the box tower, meta_arch/fcos.py l.481-594), and with
/// <c>anchorDeltas</c> the anchor rule's head, whose <c>bbox_pred</c> output is used raw as (dx, dy, dw, dh) (no
/// Scale, ReLU or stride; anchor...3x_ms fcos.py l.469-491).
/// </summary>
public sealed class DefcnHead : Module<Tensor[], HeadOutputs>, IDenseHead
{
    private readonly Sequential cls_subnet;
    private readonly Sequential bbox_subnet;
    private readonly Conv2d cls_score;
    private readonly Conv2d bbox_pred;
    private readonly Conv2d? centerness;
    private readonly MaxFiltering? max3d;
    private readonly Conv2d? filter;
    private readonly ModuleList<Scale>? scales;
    private readonly int[] _strides;

    /// <summary>
    /// Creates the head for input levels of the given shapes (all with the same channel count C).
    /// </summary>
    /// <param name="inputShapes">Channels and stride of each input level (P3..P7), finest first.</param>
    /// <param name="numClasses">Number of classes K.</param>
    /// <param name="head">Tower depth and prior probability; null = reference.</param>
    /// <param name="filterSettings">Filter branch / 3D Max Filtering; null = reference.</param>
    /// <param name="withCenterness">Adds the FCOS centerness branch (a 3×3 conv to 1 channel on the box tower).</param>
    /// <param name="anchorDeltas">The box branch predicts raw (dx, dy, dw, dh) anchor deltas (no per-level Scale).</param>
    public DefcnHead(IReadOnlyList<ShapeSpec> inputShapes, int numClasses, HeadOptions? head = null, FilterOptions? filterSettings = null,
        bool withCenterness = false, bool anchorDeltas = false)
        : base(nameof(DefcnHead))
    {
        head ??= HeadOptions.Reference;
        filterSettings ??= FilterOptions.Reference;
        if (inputShapes.Count == 0) throw new ArgumentException("the head needs at least one input level", nameof(inputShapes));
        var channels = inputShapes[0].Channels;
        if (inputShapes.Any(s => s.Channels != channels))
            throw new ArgumentException($"all head input levels must have the same channel count, got [{string.Join(", ", inputShapes.Select(s => s.Channels))}]", nameof(inputShapes));
        var groupNorm = head.Norm == HeadNorm.GroupNorm || (filterSettings.Enabled && filterSettings.UseNorm);
        if (groupNorm && channels % 32 != 0)
            throw new ArgumentException($"the head's GroupNorm(32, C) needs C divisible by 32 (got C = {channels}; model.head.norm and model.filter.norm none use no GroupNorm)", nameof(inputShapes));
        if (numClasses < 1) throw new ArgumentException($"numClasses must be ≥ 1 (got {numClasses})", nameof(numClasses));
        if (head.NumConvs < 0) throw new ArgumentException($"head num_convs must be ≥ 0 (got {head.NumConvs})", nameof(head));
        if (!(head.PriorProb > 0 && head.PriorProb < 1)) throw new ArgumentException($"head prior_prob must be in (0, 1) (got {head.PriorProb})", nameof(head));

        NumClasses = numClasses;
        Settings = head;
        FilterSettings = filterSettings;
        _strides = inputShapes.Select(s => s.Stride).ToArray();
        cls_subnet = Tower(channels, head.NumConvs, head.Norm);
        bbox_subnet = Tower(channels, head.NumConvs, head.Norm);
        cls_score = Conv2d(channels, numClasses, 3, stride: 1, padding: 1);
        bbox_pred = Conv2d(channels, 4, 3, stride: 1, padding: 1);
        if (withCenterness) centerness = Conv2d(channels, 1, 3, stride: 1, padding: 1);
        if (filterSettings.Enabled)
        {
            max3d = new MaxFiltering(channels, filterSettings.KernelSize, filterSettings.Tau, filterSettings.UseNorm);
            filter = Conv2d(channels, 1, 3, stride: 1, padding: 1);
        }
        if (!anchorDeltas) scales = new ModuleList<Scale>(_strides.Select(_ => new Scale(1.0)).ToArray());
        AnchorDeltas = anchorDeltas;
        RegisterComponents();
        Initialize(head.PriorProb);
    }

    /// <summary>Number of classes K.</summary>
    public int NumClasses { get; }

    /// <summary>Tower settings in use.</summary>
    public HeadOptions Settings { get; }

    /// <summary>Filter-branch settings in use.</summary>
    public FilterOptions FilterSettings { get; }

    /// <summary>Whether the head has the FCOS centerness branch.</summary>
    public bool HasCenterness => centerness is not null;

    /// <summary>Whether the box branch gives raw (dx, dy, dw, dh) anchor deltas instead of (l, t, r, b) distances.</summary>
    public bool AnchorDeltas { get; }

    /// <summary>Stride of each level, in input pixels.</summary>
    public IReadOnlyList<int> Strides => _strides;

    /// <summary>The 3D Max Filtering module, or null without the filter branch.</summary>
    public MaxFiltering? MaxFilter => max3d;

    /// <summary>Name of level l after its stride, "p3" for stride 8.</summary>
    public string LevelName(int level) => $"p{(int)Math.Round(Math.Log2(_strides[level]))}";

    private static Sequential Tower(int channels, int numConvs, HeadNorm norm)
    {
        var layers = new List<Module<Tensor, Tensor>>();
        for (var i = 0; i < numConvs; i++)
        {
            layers.Add(Conv2d(channels, channels, 3, stride: 1, padding: 1));
            if (norm == HeadNorm.GroupNorm) layers.Add(GroupNorm(32, channels));
            // In place (the reference's nn.ReLU() is not; same values and gradients): GroupNorm's backward needs
            // its input, not its output, so the GroupNorm output can be overwritten. Without GroupNorm the conv's
            // backward needs only its input and weight, so overwriting its output is safe as well.
            layers.Add(ReLU(inplace: true));
        }
        // Named by position as nn.Sequential does: conv 3i / GN 3i+1 / ReLU 3i+2, or conv 2i / ReLU 2i+1.
        return Sequential(layers.Select((m, index) => ($"{index}", m)).ToList());
    }

    // fcos.py l.637-652: every conv N(0, 0.01) with bias 0, every GroupNorm weight 1 / bias 0, then the
    // prior-probability bias of cls_score.
    private void Initialize(double priorProb)
    {
        using var _ = no_grad();
        foreach (var (_, module) in named_modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    init.normal_(conv.weight!, 0, 0.01);
                    init.zeros_(conv.bias!);
                    break;
                case GroupNorm gn:
                    init.ones_(gn.weight!);
                    init.zeros_(gn.bias!);
                    break;
            }
        }
        init.constant_(cls_score.bias!, -Math.Log((1 - priorProb) / priorProb));
    }

    /// <summary>
    /// Features: L maps (N, C, H_l, W_l), finest first, NCHW or channels-last. Returns per level logits
    /// (N, K, H_l, W_l), box regression (N, 4, H_l, W_l), filter logits (N, 1, H_l, W_l) (null without the filter
    /// branch) and centerness logits (N, 1, H_l, W_l) (null without the centerness branch), NCHW-contiguous.
    /// </summary>
    public override HeadOutputs forward(Tensor[] features) => Forward(features, null);

    /// <summary>As <see cref="forward"/>, reporting tower, MaxFiltering and output tensors to <paramref name="probe"/>.</summary>
    public HeadOutputs Forward(IReadOnlyList<Tensor> features, StageProbe? probe)
    {
        if (features.Count != _strides.Length)
            throw new ArgumentException($"the head was built for {_strides.Length} levels, got {features.Count} feature maps");
        using var scope = NewDisposeScope();
        var levels = features.Count;
        var logits = new Tensor[levels];
        var boxRegression = new Tensor[levels];
        var bboxTowers = new Tensor[levels];
        var centers = centerness is null ? null : new Tensor[levels];
        for (var l = 0; l < levels; l++)
        {
            var name = LevelName(l);
            var clsTower = cls_subnet.forward(features[l]);     // (N, C, H, W)
            var bboxTower = bbox_subnet.forward(features[l]);   // (N, C, H, W)
            probe?.Invoke($"head.cls_tower.{name}", clsTower);
            probe?.Invoke($"head.bbox_tower.{name}", bboxTower);
            // Outputs are NCHW-contiguous whatever the features' layout (channels-last features give
            // channels-last conv outputs; the copy is cheap at K + 4 + 1 channels).
            logits[l] = cls_score.forward(clsTower).contiguous();            // (N, K, H, W)
            // NORM_REG_TARGETS: relu(scale · conv) · stride, no exp (fcos.py l.683-685); anchor deltas are the raw conv.
            boxRegression[l] = scales is null
                ? bbox_pred.forward(bboxTower).contiguous()
                : (scales[l].forward(bbox_pred.forward(bboxTower)).relu_() * _strides[l]).contiguous();   // (N, 4, H, W)
            bboxTowers[l] = bboxTower;
            if (centers is not null)
            {
                centers[l] = centerness!.forward(bboxTower).contiguous();   // (N, 1, H, W), CENTERNESS_ON_REG
                probe?.Invoke($"head.centerness.{name}", centers[l]);
            }
            probe?.Invoke($"head.logits.{name}", logits[l]);
            probe?.Invoke($"head.bbox_reg.{name}", boxRegression[l]);
        }
        Tensor[]? filters = null;
        if (max3d != null && filter != null)
        {
            // The filter branch reads the regression tower of every level (fcos.py l.689-690).
            var filtered = max3d.forward(bboxTowers);
            filters = new Tensor[levels];
            for (var l = 0; l < levels; l++)
            {
                probe?.Invoke($"head.max3d.in.{LevelName(l)}", bboxTowers[l]);
                probe?.Invoke($"head.max3d.out.{LevelName(l)}", filtered[l]);
                filters[l] = filter.forward(filtered[l]).contiguous();   // (N, 1, H, W)
                probe?.Invoke($"head.filter.{LevelName(l)}", filters[l]);
            }
        }
        return new HeadOutputs(logits, boxRegression, filters, centers).MoveToOuterDisposeScope();
    }
}
