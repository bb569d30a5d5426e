using Xunit;

namespace Research.Core.Tests.Modeling.Backbone;

/// <summary>
/// Tests that need torch's process-wide random generator to themselves (seed → identical weights) run in this
/// collection, which xunit runs alone: other test classes drawing random numbers on parallel threads would
/// otherwise consume numbers between manual_seed and the draws being compared.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalTorchRngCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Backbone: global torch RNG";
}
