using Xunit;

namespace Research.Core.Tests.Training;

/// <summary>
/// Tests that seed or consume torch's process-wide generator (initialisation, dropout, RNG checkpointing)
/// run alone: a test on another thread drawing random numbers in between would break their exact equalities.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalRngCollection
{
    public const string Name = "torch global RNG";
}
