using System.Runtime;
using Research.Core.Runtime;
using Xunit;

namespace Research.Core.Tests.Runtime;

public class ScalarLifetimeTests
{
    public ScalarLifetimeTests() => TorchRuntime.EnsureLoaded();

    /// <summary>
    /// Loading Research.Core switches the process to blocking collections (the mitigation measured in
    /// bench/ScalarLifetime; the race itself is probabilistic, so it is measured there, not asserted here).
    /// </summary>
    [Fact]
    public void LoadingCoreSelectsBlockingCollectionsUnlessOptedOut()
    {
        Assert.Null(Environment.GetEnvironmentVariable(BlockingGarbageCollection.OptOutVariable));
        Assert.True(BlockingGarbageCollection.IsActive);
        Assert.Equal(GCLatencyMode.Batch, GCSettings.LatencyMode);
    }
}
