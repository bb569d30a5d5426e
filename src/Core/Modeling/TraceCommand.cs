using System.Globalization;
using Research.Core.Data;
using Research.Core.Inference;
using Research.Core.Modeling.Backbone;
using Research.Core.Modeling.Head;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Modeling;

/// <summary>
/// Settings of one forward trace; <see cref="Reference"/> is the reference model (R-50 FrozenBN FPN, K = 80,
/// 3DMF k = 3, τ = 2, reference test settings) at a small input so the trace runs in seconds.
/// </summary>
public sealed record TraceSettings(
    int Seed = 42, int Threads = 2, int Height = 320, int Width = 256, int NumClasses = 80, int BackboneDepth = 50,
    HeadSettings? Head = null, FilterSettings? Filter = null, InferenceSettings? Test = null)
{
    /// <summary>The reference settings at a 320×256 input.</summary>
    public static TraceSettings Reference { get; } = new();

    /// <summary>Head settings (reference when null).</summary>
    public HeadSettings HeadOrDefault => Head ?? HeadSettings.Reference;

    /// <summary>Filter settings (reference when null).</summary>
    public FilterSettings FilterOrDefault => Filter ?? FilterSettings.Reference;

    /// <summary>Test settings (reference when null).</summary>
    public InferenceSettings TestOrDefault => Test ?? InferenceSettings.Reference;
}

/// <summary>
/// <c>trace [CONFIG.yaml] [key=value ...]</c>: the forward-pass walkthrough of scripts/trace.fsx. Overrides use
/// the config names of DESIGN §9 (<c>model.filter.tau=4</c>, <c>input.size=320x256</c>, ...).
/// </summary>
public static class TraceCommand
{
    /// <summary>Keys accepted as overrides.</summary>
    public static IReadOnlyList<string> Keys { get; } = new[]
    {
        "seed", "threads", "input.size", "model.num_classes", "model.backbone.depth", "model.head.num_convs",
        "model.head.prior_prob", "model.filter.enabled", "model.filter.kernel_size", "model.filter.tau", "model.filter.norm",
        "model.test.score_thresh", "model.test.topk_candidates", "model.test.nms_thresh", "model.test.detections_per_image",
    };

    /// <summary>
    /// Arguments → settings, starting from <paramref name="baseSettings"/> (a loaded config later; the reference
    /// now). A leading .yaml argument is refused until a config loader is wired in. Errors name the key and value.
    /// </summary>
    public static TraceSettings ParseArguments(IReadOnlyList<string> args, TraceSettings? baseSettings = null)
    {
        var s = baseSettings ?? TraceSettings.Reference;
        foreach (var arg in args)
        {
            if (arg.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || arg.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"{arg}: config files are not read by trace yet; pass key=value overrides (keys: {string.Join(", ", Keys)})");
            var eq = arg.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"'{arg}' is not key=value");
            s = Apply(s, arg[..eq], arg[(eq + 1)..]);
        }
        return s;
    }

    private static TraceSettings Apply(TraceSettings s, string key, string value)
    {
        int Int() => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw new ArgumentException($"{key}: '{value}' is not an integer");
        double Real() => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw new ArgumentException($"{key}: '{value}' is not a number");
        bool Bool() => bool.TryParse(value, out var v) ? v : throw new ArgumentException($"{key}: '{value}' is not true or false");
        return key switch
        {
            "seed" => s with { Seed = Int() },
            "threads" => s with { Threads = Int() },
            "input.size" => ParseSize(s, value),
            "model.num_classes" => s with { NumClasses = Int() },
            "model.backbone.depth" => s with { BackboneDepth = Int() },
            "model.head.num_convs" => s with { Head = s.HeadOrDefault with { NumConvs = Int() } },
            "model.head.prior_prob" => s with { Head = s.HeadOrDefault with { PriorProb = Real() } },
            "model.filter.enabled" => s with { Filter = s.FilterOrDefault with { Enabled = Bool() } },
            "model.filter.kernel_size" => s with { Filter = s.FilterOrDefault with { KernelSize = Int() } },
            "model.filter.tau" => s with { Filter = s.FilterOrDefault with { Tau = Int() } },
            "model.filter.norm" => s with { Filter = s.FilterOrDefault with { UseNorm = Bool() } },
            "model.test.score_thresh" => s with { Test = s.TestOrDefault with { ScoreThresh = Real() } },
            "model.test.topk_candidates" => s with { Test = s.TestOrDefault with { TopkCandidates = Int() } },
            "model.test.nms_thresh" => s with { Test = s.TestOrDefault with { NmsThresh = Real() } },
            "model.test.detections_per_image" => s with { Test = s.TestOrDefault with { DetectionsPerImage = Int() } },
            _ => throw new ArgumentException($"unknown override key '{key}' (keys: {string.Join(", ", Keys)})"),
        };
    }

    private static TraceSettings ParseSize(TraceSettings s, string value)
    {
        var parts = value.Split('x');
        if (parts.Length == 2 && int.TryParse(parts[0], out var h) && int.TryParse(parts[1], out var w) && h > 0 && w > 0)
            return s with { Height = h, Width = w };
        throw new ArgumentException($"input.size: '{value}' is not HEIGHTxWIDTH");
    }

    /// <summary>
    /// Parses <paramref name="args"/>, builds the model (backbone from <paramref name="backboneFactory"/>; by
    /// default ResNet-<c>model.backbone.depth</c> + FPN P3..P7 as the reference) and writes the trace of one
    /// random image (padded to a multiple of 32) to <paramref name="output"/>. Returns the exit code: 0, or 2
    /// on bad arguments.
    /// </summary>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error,
        Func<TraceSettings, nn.Module<Tensor, Tensor[]>>? backboneFactory = null)
    {
        backboneFactory ??= s => ResNetFpnBuilder.Build(depth: s.BackboneDepth);
        if (args.Contains("--help"))
        {
            output.WriteLine($"trace [key=value ...]   keys: {string.Join(", ", Keys)}");
            return 0;
        }
        TraceSettings s;
        try { s = ParseArguments(args); }
        catch (ArgumentException e)
        {
            error.WriteLine($"error: {e.Message}");
            return 2;
        }
        var watch = System.Diagnostics.Stopwatch.StartNew();
        torch.set_num_threads(s.Threads);
        torch.manual_seed(s.Seed);
        using var model = new Defcn(backboneFactory(s), s.NumClasses, s.HeadOrDefault, s.FilterOrDefault, s.TestOrDefault);
        int padH = (s.Height + 31) / 32 * 32, padW = (s.Width + 31) / 32 * 32;
        var images = zeros(1, 3, padH, padW);
        using (no_grad()) images.narrow(2, 0, s.Height).narrow(3, 0, s.Width).normal_(0, 1);
        using var batch = new ImageBatch(images, new[] { (s.Height, s.Width) }, new[] { (s.Height, s.Width) }, new long[] { 0 });
        output.WriteLine($"settings: seed {s.Seed}, threads {s.Threads}, input {s.Height}×{s.Width}, R-{s.BackboneDepth} FPN, K {s.NumClasses}, {s.HeadOrDefault}, {s.FilterOrDefault}, {s.TestOrDefault}");
        output.WriteLine("weights: random initialisation (untrained; scores stay near the prior)");
        ForwardTrace.Run(model, batch, output);
        output.WriteLine($"done in {watch.Elapsed.TotalSeconds:F2} s");
        return 0;
    }
}
