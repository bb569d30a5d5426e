using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Research.Core.Training;

/// <summary>One SGD parameter group: its lr multiplier, weight decay and the (dotted) names of its parameters.</summary>
/// <param name="Name">default, bias or norm.</param>
/// <param name="LrFactor">Multiplier of the scheduled lr for this group.</param>
/// <param name="WeightDecay">Weight decay of this group.</param>
/// <param name="ParameterNames">State-dict names of the parameters, in model order.</param>
public sealed record ParameterGroupInfo(string Name, double LrFactor, double WeightDecay, IReadOnlyList<string> ParameterNames);

/// <summary>
/// Builds TorchSharp's SGD (same update as torch.optim.SGD) with parameter groups as the reference
/// (cvpods optimizer_builder.py D2SGDBuilder l.74-100): parameters owned directly by a normalisation
/// module get weight_decay_norm; other parameters named <c>bias</c> get lr·bias_lr_factor and
/// weight_decay_bias; the rest get weight_decay. Frozen parameters (requires_grad false) and duplicates
/// (shared parameters) are left out. The reference makes one group per parameter; grouping equal settings
/// gives the same update.
/// </summary>
public static class SgdBuilder
{
    /// <summary>Normalisation module types whose parameters get weight_decay_norm (cvpods NORM_MODULE_TYPES).</summary>
    public static bool IsTorchNormModule(nn.Module m) => m is BatchNorm or GroupNorm
        or InstanceNorm1d or InstanceNorm2d or InstanceNorm3d or LayerNorm or LocalResponseNorm;

    /// <summary>
    /// Groups the trainable parameters of <paramref name="model"/> (the groups with no parameter are left out)
    /// and creates the optimizer with lr = base_lr · factor (the trainer rescales it every iteration).
    /// </summary>
    public static (SGD Optimizer, IReadOnlyList<ParameterGroupInfo> Groups) Build(nn.Module model, SolverOptions solver)
    {
        solver.Validate();
        var groups = Group(model, solver);
        if (groups.Count == 0)
            throw new ArgumentException($"model {model.GetName()} has no trainable parameter (all frozen?): nothing to optimise.");
        var paramGroups = groups.Select(g => new SGD.ParamGroup(g.Parameters, lr: solver.BaseLr * g.Info.LrFactor,
            momentum: solver.Momentum, weight_decay: g.Info.WeightDecay)).ToList();
        var sgd = torch.optim.SGD(paramGroups, solver.BaseLr, momentum: solver.Momentum);
        return (sgd, groups.Select(g => g.Info).ToList());
    }

    private static List<(ParameterGroupInfo Info, List<Parameter> Parameters)> Group(nn.Module model, SolverOptions solver)
    {
        var isNorm = solver.IsNormModule;
        var byGroup = new Dictionary<string, (List<string> Names, List<Parameter> Params)>
        {
            ["default"] = (new(), new()), ["bias"] = (new(), new()), ["norm"] = (new(), new()),
        };
        var seen = new HashSet<IntPtr>();
        var modules = new List<(string Prefix, nn.Module Module)> { ("", model) };
        modules.AddRange(model.named_modules().Select(nm => (nm.name + ".", nm.module)));
        foreach (var (prefix, module) in modules)
        {
            var norm = IsTorchNormModule(module) || (isNorm?.Invoke(module) ?? false);
            foreach (var (name, p) in module.named_parameters(recurse: false))
            {
                if (!p.requires_grad || !seen.Add(p.Handle)) continue;
                var key = norm ? "norm" : name == "bias" ? "bias" : "default";
                byGroup[key].Names.Add(prefix + name);
                byGroup[key].Params.Add(p);
            }
        }
        var settings = new (string Name, double LrFactor, double Wd)[]
        {
            ("default", 1.0, solver.WeightDecay),
            ("bias", solver.BiasLrFactor, solver.WeightDecayBias ?? solver.WeightDecay),
            ("norm", 1.0, solver.WeightDecayNorm),
        };
        return settings.Where(s => byGroup[s.Name].Params.Count > 0)
            .Select(s => (new ParameterGroupInfo(s.Name, s.LrFactor, s.Wd, byGroup[s.Name].Names), byGroup[s.Name].Params))
            .ToList();
    }
}
