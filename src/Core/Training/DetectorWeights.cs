using Research.Core.Modeling.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Training;

/// <summary>What loading whole-detector weights did.</summary>
/// <param name="Report">Keys loaded, ignored, kept, and the differences.</param>
/// <param name="Format">The file's container format.</param>
/// <param name="Iteration">The training iteration the file records (our checkpoints; cvpods' <c>iteration</c>), if any.</param>
public sealed record DetectorWeightsReport(WeightLoadReport Report, WeightFileFormat Format, long? Iteration);

/// <summary>
/// Loads the weights of a whole detector (backbone.* and head.*, the official DeFCN / cvpods names, which are ours) from
/// any file that holds them: an official <c>model_final.pth</c> (torch.save of <c>{"model": state dict, "optimizer",
/// "scheduler", "iteration"}</c>; only <c>model</c> is read), a raw torch.save state dict, safetensors, a detectron2 /
/// cvpods model-zoo pickle, or this framework's <c>.ckpt</c> (model part only). For evaluation-only runs and
/// fine-tuning; resuming a training run restores optimizer and RNG state through <see cref="CheckpointFile"/> instead.
/// </summary>
public static class DetectorWeights
{
    /// <summary>
    /// Loads <paramref name="path"/> into <paramref name="detector"/>. Strict: any missing, unexpected or mis-shaped key
    /// throws one <see cref="WeightLoadException"/> listing them all and nothing is copied; not strict: what matches is
    /// copied (e.g. all but a class-count-dependent <c>cls_score</c> when fine-tuning on other classes) and the report
    /// lists the rest. A file of which nothing matches always throws. <paramref name="hint"/> replaces the exception's
    /// advice line.
    /// </summary>
    public static DetectorWeightsReport Load(nn.Module detector, string path, bool strict = true, string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(detector);
        if (!File.Exists(path)) throw new FileNotFoundException($"weight file '{path}' does not exist", path);
        if (CheckpointFile.LooksLikeCheckpoint(path))
        {
            var (state, meta) = CheckpointFile.ReadModelState(path);
            try
            {
                var report = WeightLoader.LoadStateDict(detector, state, path, strict, hint: hint);
                return new DetectorWeightsReport(report, WeightFileFormat.Checkpoint, meta.Iteration);
            }
            finally { foreach (var t in state.Values) t.Dispose(); }
        }
        using var file = WeightFile.Read(path);
        var loaded = WeightLoader.LoadStateDict(detector, file.WithoutDataParallelPrefix(), path, strict, hint: hint);
        return new DetectorWeightsReport(loaded, file.Format, file.Iteration);
    }
}
