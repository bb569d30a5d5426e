using Research.Core.Training;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Training;

[Collection(GlobalRngCollection.Name)]
public class SeedingTests
{
    [Fact]
    public void DerivedSeedsMatchAnIndependentImplementation()
    {
        // Known answers from a separate Python SplitMix64(seed xor FNV-1a-64(name)) implementation.
        Assert.Equal(6844565264408262737L, Seeding.Derive(42, "data"));
        Assert.Equal(3120174875264115838L, Seeding.Derive(42, "augmentation"));
        Assert.Equal(-3849621771936479776L, Seeding.Derive(-7, ""));
    }

    [Fact]
    public void ApplyRepeatsInitialisation()
    {
        Seeding.Apply(3);
        var a = Toys.Flat(new ToyNet());
        Seeding.Apply(3);
        var b = Toys.Flat(new ToyNet());
        Seeding.Apply(4);
        var c = Toys.Flat(new ToyNet());
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }
}
