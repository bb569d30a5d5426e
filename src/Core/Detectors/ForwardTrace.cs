using System.Globalization;
using Research.Core.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Detectors;

/// <summary>
/// The forward-pass walkthrough behind scripts/trace.fsx: runs one batch through a <see cref="DenseDetector"/> in eval
/// mode and writes every stage's tensor shape and statistics (backbone internals when they are reachable
/// by forward hooks, backbone/FPN outputs, towers, MaxFiltering input/output, head outputs, shifts,
/// flattened tensors) and the final detections.
/// </summary>
public static class ForwardTrace
{
    /// <summary>Writes the trace of <paramref name="batch"/> (usually one image) to <paramref name="output"/>.</summary>
    public static void Run(DenseDetector model, ImageBatch batch, TextWriter output, int detectionsShown = 5)
    {
        var wasTraining = model.training;
        model.eval();
        var hooks = new List<Action>();
        try
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var images = model.Preprocess(batch);                               // (N, 3, H, W) normalised, padded
            Line(output, "input.images", images);
            hooks.AddRange(HookBackboneChildren(model.Backbone, output));
            using var outputs = model.Forward(images, (stage, value) => Line(output, stage, value));
            var shifts = model.Shifts(outputs);
            for (var l = 0; l < shifts.Length; l++)
                output.WriteLine($"{"shifts." + model.LevelName(l),-28} {Shape(shifts[l]),-22} first ({Num(shifts[l][0, 0])}, {Num(shifts[l][0, 1])})  last ({Num(shifts[l][-1, 0])}, {Num(shifts[l][-1, 1])})  stride {model.ShiftGenerator.Strides[l]}");
            var (cls, reg, flt, ctr) = outputs.Flatten();
            Line(output, "flat.logits (N,R,K)", cls);
            Line(output, "flat.bbox_reg (N,R,4)", reg);
            if (flt is null) output.WriteLine($"{"flat.filter (N,R,1)",-28} (no filter branch)");
            else Line(output, "flat.filter (N,R,1)", flt);
            if (ctr is not null) Line(output, "flat.centerness (N,R,1)", ctr);
            if (ctr is not null) Line(output, "score sqrt(sigmoid(cls)·sigmoid(c))", (cls.sigmoid() * ctr.sigmoid()).sqrt());
            else Line(output, flt is null ? "score sigmoid(cls)" : "score sigmoid(cls)·sigmoid(f)", flt is null ? cls.sigmoid() : cls.sigmoid() * flt.sigmoid());
            var detections = model.CreatePostProcessor(model.InferenceSettings).Process(outputs, shifts, batch.ImageSizes, batch.OriginalSizes);
            for (var i = 0; i < detections.Count; i++)
            {
                using var d = detections[i];
                output.WriteLine($"detections[{i}]: {d.Count} (image {batch.ImageSizes[i].Height}×{batch.ImageSizes[i].Width} → original {d.ImageSize.Height}×{d.ImageSize.Width})");
                for (var j = 0; j < Math.Min(detectionsShown, d.Count); j++)
                {
                    var b = d.Boxes[j].data<float>().ToArray();
                    output.WriteLine($"  class {d.Classes[j].item<long>(),3}  score {d.Scores[j].item<float>():F4}  box ({b[0]:F1}, {b[1]:F1}, {b[2]:F1}, {b[3]:F1})");
                }
            }
        }
        finally
        {
            foreach (var remove in hooks) remove();
            if (wasTraining) model.train();
        }
    }

    // Backbone internals (e.g. bottom_up res3..res5) are reported when the backbone invokes its children
    // through Module.call (which runs hooks); children called with forward() stay silent.
    private static IEnumerable<Action> HookBackboneChildren(nn.Module backbone, TextWriter output)
    {
        foreach (var (name, child) in backbone.named_children())
        {
            switch (child)
            {
                case nn.Module<Tensor, Tensor> m:
                {
                    var h = m.register_forward_hook((_, _, y) => { Line(output, $"backbone.{name}", y); return y; });
                    yield return () => h.remove();
                }
                    break;
                case nn.Module<Tensor, Tensor[]> m:
                {
                    var h = m.register_forward_hook((_, _, ys) => { for (var i = 0; i < ys.Length; i++) Line(output, $"backbone.{name}[{i}]", ys[i]); return ys; });
                    yield return () => h.remove();
                }
                    break;
                case nn.Module<Tensor, Dictionary<string, Tensor>> m:
                {
                    var h = m.register_forward_hook((_, _, ys) => { foreach (var (k, v) in ys) Line(output, $"backbone.{name}.{k}", v); return ys; });
                    yield return () => h.remove();
                }
                    break;
            }
        }
    }

    private static void Line(TextWriter output, string stage, Tensor t)
    {
        using var scope = NewDisposeScope();
        var f = t.detach().to(ScalarType.Float32);
        var stats = f.numel() == 0 ? "empty"
            : $"min {Num(f.min())}  mean {Num(f.mean())}  max {Num(f.max())}  std {(f.numel() > 1 ? Num(f.std()) : "-")}";
        output.WriteLine($"{stage,-28} {Shape(t),-22} {stats}");
    }

    private static string Shape(Tensor t) => "(" + string.Join(", ", t.shape) + ")";

    private static string Num(Tensor scalar) => scalar.to(ScalarType.Float64).item<double>().ToString("G5", CultureInfo.InvariantCulture);
}
