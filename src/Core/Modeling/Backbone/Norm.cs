using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Modeling.Backbone;

/// <summary>
/// The normalisation layers a conv can carry, by the names cvpods' get_norm uses (layers/batch_norm.py l.146-165):
/// "FrozenBN", "BN", "GN" (GroupNorm with 32 groups) and "" (none).
/// </summary>
public static class Norm
{
    /// <summary>Frozen batch norm (the reference default for detector backbones).</summary>
    public const string FrozenBN = "FrozenBN";

    /// <summary>Trainable BatchNorm2d.</summary>
    public const string BN = "BN";

    /// <summary>GroupNorm(32, C).</summary>
    public const string GN = "GN";

    /// <summary>No normalisation.</summary>
    public const string None = "";

    /// <summary>Groups of the "GN" choice (cvpods get_norm: nn.GroupNorm(32, channels)).</summary>
    public const int GroupNormGroups = 32;

    /// <summary>Throws a clear error when <paramref name="norm"/> is not one of the four names.</summary>
    public static void Validate(string norm, string what = "norm")
    {
        if (norm is FrozenBN or BN or GN or None) return;
        throw new ArgumentException(
            $"{what} '{norm}' is not known: use \"FrozenBN\", \"BN\", \"GN\" or \"\" (none)", nameof(norm));
    }

    /// <summary>
    /// A norm layer over <paramref name="channels"/> channels, or null for "". With <paramref name="frozen"/>
    /// set, "BN" becomes the frozen copy of a fresh BatchNorm2d, as cvpods converts BN in frozen stages
    /// (FrozenBatchNorm2d.convert_frozen_batchnorm); "GN" stays GN (its parameters are frozen elsewhere).
    /// </summary>
    public static nn.Module<Tensor, Tensor>? Create(string norm, long channels, bool frozen = false)
    {
        Validate(norm);
        switch (norm)
        {
            case None:
                return null;
            case FrozenBN:
                return new FrozenBatchNorm2d(channels);
            case BN:
                var bn = new SafeBatchNorm2d(channels); // nn.BatchNorm2d without TorchSharp's scalar use-after-free
                if (!frozen) return bn;
                using (bn) return FrozenBatchNorm2d.FromBatchNorm(bn);
            default:
                if (channels % GroupNormGroups != 0)
                    throw new ArgumentException($"GroupNorm({GroupNormGroups}, {channels}): {channels} channels do not split into {GroupNormGroups} groups", nameof(channels));
                var gn = nn.GroupNorm(GroupNormGroups, channels);
                // TorchSharp 0.107 leaves GroupNorm's affine parameters uninitialised (dotnet-stack-facts §1c);
                // PyTorch initialises them to 1 and 0.
                using (no_grad())
                {
                    nn.init.ones_(gn.weight!);
                    nn.init.zeros_(gn.bias!);
                }
                return gn;
        }
    }
}
