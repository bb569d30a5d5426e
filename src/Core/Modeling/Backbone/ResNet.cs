using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Modeling.Backbone;

/// <summary>
/// ResNet-18/34/50/101/152 as cvpods builds it for detection (modeling/backbone/resnet.py l.586-669 ResNet,
/// l.671-816 build_resnet_backbone): stem + stages res2..res5, children named as in the reference state dict
/// (<c>stem.conv1</c>, <c>res2.0.conv1</c>, …). Returns the requested stage outputs, e.g. res3..res5.
/// Stages after the last requested one are not built (as the reference, to avoid unused parameters).
/// </summary>
public sealed class ResNet : nn.Module<Tensor, Tensor[]>, IBackbone
{
    private static readonly Dictionary<int, int[]> BlocksPerStageByDepth = new()
    {
        [18] = new[] { 2, 2, 2, 2 },
        [34] = new[] { 3, 4, 6, 3 },
        [50] = new[] { 3, 4, 6, 3 },
        [101] = new[] { 3, 4, 23, 3 },
        [152] = new[] { 3, 8, 36, 3 },
    };

    private static readonly string[] FeatureOrder = { "stem", "res2", "res3", "res4", "res5" };

    private readonly BasicStem stem;
    private readonly ResNetStage[] _stages;
    private readonly int[] _outIndices;   // index into FeatureOrder of each output
    private readonly ShapeSpec[] _outShapes;

    /// <summary>Builds the network; weights get the reference's fills, frozen parts stop requiring gradients.</summary>
    /// <param name="depth">18, 34, 50, 101 or 152.</param>
    /// <param name="norm">"FrozenBN" (reference default), "BN", "GN" or "" (none).</param>
    /// <param name="freezeAt">0 freezes nothing, 1 the stem, k ≥ 2 the stem and res2..res_k (reference default 2).
    /// Frozen parts stop requiring gradients, and their "BN" norms become FrozenBN, as in cvpods.</param>
    /// <param name="outFeatures">Which of "stem", "res2".."res5" to return, in network order; default res3..res5.</param>
    /// <param name="strideInOneByOne">Bottleneck stride in the first 1×1 conv (MSRA/Caffe2 weights, the reference
    /// default) rather than in the 3×3 conv (torchvision weights).</param>
    /// <param name="stemOutChannels">Stem width (64).</param>
    /// <param name="res2OutChannels">res2 output width, doubled per stage; default 64 for depth 18/34, else 256.</param>
    /// <param name="widthPerGroup">Bottleneck width per group in res2 (64), doubled per stage.</param>
    /// <param name="numGroups">Groups of the 3×3 bottleneck conv (1 = ResNet, more = ResNeXt).</param>
    /// <param name="inChannels">Image channels (3).</param>
    public ResNet(int depth = 50, string norm = Norm.FrozenBN, int freezeAt = 2, IReadOnlyList<string>? outFeatures = null,
        bool strideInOneByOne = true, int stemOutChannels = 64, int? res2OutChannels = null, int widthPerGroup = 64,
        int numGroups = 1, int inChannels = 3)
        : base(nameof(ResNet))
    {
        if (!BlocksPerStageByDepth.TryGetValue(depth, out var blocksPerStage))
            throw new ArgumentException($"ResNet depth {depth} is not supported: use 18, 34, 50, 101 or 152", nameof(depth));
        Norm.Validate(norm);
        if (freezeAt is < 0 or > 5)
            throw new ArgumentOutOfRangeException(nameof(freezeAt), freezeAt, "freeze_at must be 0 (nothing) .. 5 (everything up to res5)");
        // cvpods also insists on res2 width 64 for ResNet-18/34 (resnet.py l.735-742); narrower widths are allowed
        // here so tiny experiments and fixtures can use them. Groups stay refused: basic blocks have none.
        var basic = depth is 18 or 34;
        if (basic && numGroups != 1)
            throw new ArgumentException($"ResNet-{depth} uses basic blocks, which have no groups: num_groups must be 1 (got {numGroups})", nameof(numGroups));
        if (stemOutChannels <= 0 || widthPerGroup <= 0 || numGroups <= 0 || inChannels <= 0)
            throw new ArgumentException("stem width, width per group, groups and input channels must be positive");

        Depth = depth;
        FreezeAt = freezeAt;
        var names = outFeatures ?? new[] { "res3", "res4", "res5" };
        if (names.Count == 0) throw new ArgumentException("at least one output feature is needed", nameof(outFeatures));
        _outIndices = names.Select(n => Array.IndexOf(FeatureOrder, n) is var i and >= 0
            ? i : throw new ArgumentException($"output feature '{n}' is not one of {string.Join(", ", FeatureOrder)}", nameof(outFeatures))).ToArray();
        for (var i = 1; i < _outIndices.Length; i++)
            if (_outIndices[i] <= _outIndices[i - 1])
                throw new ArgumentException($"output features must be distinct and in network order (stem, res2..res5): [{string.Join(", ", names)}]", nameof(outFeatures));

        // resnet.py l.695-699: freeze_at ≥ 1 freezes the stem (parameters and BN → FrozenBN).
        stem = new BasicStem(inChannels, stemOutChannels, norm, frozenNorm: freezeAt >= 1);
        if (freezeAt >= 1) foreach (var p in stem.parameters()) p.requires_grad = false;
        register_module("stem", stem);

        var channels = new List<long> { stemOutChannels };
        var strides = new List<int> { stem.Stride };
        var maxStage = _outIndices.Max() + 1;           // "res5" → stage index 5
        var stages = new List<ResNetStage>();
        long inCh = stemOutChannels, outCh = res2OutChannels ?? (basic ? 64 : 256), bottleneck = (long)numGroups * widthPerGroup;
        for (var stageIdx = 2; stageIdx <= maxStage; stageIdx++)
        {
            var frozen = freezeAt >= stageIdx;
            var firstStride = stageIdx == 2 ? 1 : 2;   // resnet.py l.757 (res5 dilation is always 1 here)
            var blocks = new List<ResNetBlock>();
            for (var b = 0; b < blocksPerStage[stageIdx - 2]; b++)
            {
                var blockIn = b == 0 ? inCh : outCh;
                var stride = b == 0 ? firstStride : 1;
                blocks.Add(basic
                    ? new BasicBlock(blockIn, outCh, stride, norm, frozen)
                    : new BottleneckBlock(blockIn, outCh, bottleneck, stride, numGroups, norm, strideInOneByOne, frozenNorm: frozen));
            }
            if (frozen) foreach (var block in blocks) block.Freeze();   // resnet.py l.805-807
            var stage = new ResNetStage(blocks);
            register_module("res" + stageIdx.ToString(CultureInfo.InvariantCulture), stage);
            stages.Add(stage);
            channels.Add(outCh);
            strides.Add(strides[^1] * (int)stage.Stride);
            inCh = outCh;
            outCh *= 2;
            bottleneck *= 2;
        }
        _stages = stages.ToArray();
        _outShapes = _outIndices.Select(i => new ShapeSpec((int)channels[i], strides[i])).ToArray();
        OutputNames = _outIndices.Select(i => FeatureOrder[i]).ToArray();
    }

    /// <summary>Depth (18, 34, 50, 101, 152).</summary>
    public int Depth { get; }

    /// <summary>The freeze_at the network was built with.</summary>
    public int FreezeAt { get; }

    /// <summary>Names of the outputs, in output order (e.g. res3, res4, res5).</summary>
    public IReadOnlyList<string> OutputNames { get; }

    /// <inheritdoc />
    public IReadOnlyList<ShapeSpec> OutputShapes => _outShapes;

    /// <summary>The stem.</summary>
    public BasicStem Stem => stem;

    /// <summary>The built stages, res2 first.</summary>
    public IReadOnlyList<ResNetStage> Stages => _stages;

    /// <summary>
    /// Images (N, C_in, H, W) → the requested features, each (N, C_i, H_i, W_i) with H_i = H / stride_i
    /// rounded up per stride-2 step, in output order.
    /// </summary>
    public override Tensor[] forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var outputs = new Tensor[_outIndices.Length];
        var y = stem.call(x);
        Collect(0, y, outputs);
        for (var s = 0; s < _stages.Length; s++)
        {
            y = _stages[s].call(y);
            Collect(s + 1, y, outputs);
        }
        foreach (var o in outputs) o.MoveToOuterDisposeScope();
        return outputs;
    }

    private void Collect(int featureIndex, Tensor y, Tensor[] outputs)
    {
        var k = Array.IndexOf(_outIndices, featureIndex);
        if (k >= 0) outputs[k] = y;
    }
}
