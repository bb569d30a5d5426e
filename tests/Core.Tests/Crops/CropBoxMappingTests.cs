using Research.Core.Data;
using Research.Core.Data.Crops;
using Research.Core.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Crops;

public class CropBoxMappingTests
{
    public CropBoxMappingTests() => TorchRuntime.EnsureLoaded();

    // Region [0, 50]² resized to 100 × 100 (scale 2). Visible fractions: A 1, B 0.5, C 0.25, D 0 (outside),
    // E 0 (touches the edge with zero area).
    private static readonly BoxXyxy[] Boxes =
    {
        new(10, 10, 30, 30), new(-10, 0, 10, 10), new(45, 45, 65, 50), new(100, 100, 110, 110), new(-10, 20, 0, 30),
    };

    private static readonly CropMap Map = new(0, 0, 50, 100);

    [Theory]
    [InlineData(0.0, new[] { 0, 1, 2 })]
    [InlineData(0.25, new[] { 0, 1, 2 })]
    [InlineData(0.3, new[] { 0, 1 })]
    [InlineData(0.5, new[] { 0, 1 })]
    [InlineData(0.6, new[] { 0 })]
    [InlineData(1.0, new[] { 0 })]
    public void KeepsBoxesByVisibleFractionAndClipsThem(double threshold, int[] expected)
    {
        var kept = CropBoxMapping.FrameToCrop(Map, Boxes, threshold);
        Assert.Equal(expected, kept.Select(k => k.Index).ToArray());
        Assert.Equal(new BoxXyxy(20, 20, 60, 60), kept[0].Box);
        if (expected.Length > 1) Assert.Equal(new BoxXyxy(0, 0, 20, 20), kept[1].Box);
        if (expected.Length > 2) Assert.Equal(new BoxXyxy(90, 90, 100, 100), kept[2].Box);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.3)]
    [InlineData(0.6)]
    public void TensorAndTargetFormsAgreeWithTheScalarForm(double threshold)
    {
        using var scope = NewDisposeScope();
        var boxes = tensor(Boxes.SelectMany(b => new[] { (float)b.X1, (float)b.Y1, (float)b.X2, (float)b.Y2 }).ToArray(), new long[] { 5, 4 });
        var expected = CropBoxMapping.FrameToCrop(Map, Boxes, threshold);
        var (mapped, kept) = CropBoxMapping.FrameToCrop(Map, boxes, threshold);
        Assert.Equal(expected.Select(k => (long)k.Index).ToArray(), kept.data<long>().ToArray());
        Assert.Equal(expected.SelectMany(k => new[] { (float)k.Box.X1, (float)k.Box.Y1, (float)k.Box.X2, (float)k.Box.Y2 }).ToArray(),
            mapped.data<float>().ToArray());

        using var target = new DetectionTarget(boxes.clone(), tensor(new long[] { 4, 3, 2, 1, 0 }));
        using var cropped = CropBoxMapping.FrameToCrop(Map, target, threshold);
        Assert.Equal(expected.Select(k => 4L - k.Index).ToArray(), cropped.Classes.data<long>().ToArray());
        Assert.Equal(mapped.data<float>().ToArray(), cropped.Boxes.data<float>().ToArray());
    }

    [Fact]
    public void EmptyInputGivesEmptyTarget()
    {
        using var scope = NewDisposeScope();
        using var target = new DetectionTarget(zeros(0, 4), zeros(0, dtype: ScalarType.Int64));
        using var cropped = CropBoxMapping.FrameToCrop(Map, target, 0.5);
        Assert.Equal(0, cropped.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => CropBoxMapping.FrameToCrop(Map, Boxes, 1.5));
    }

    [Fact]
    public void TrainingSampleCentresTheChosenObjectAndRepeatsWithTheSeed()
    {
        using var scope = NewDisposeScope();
        var frame = rand(3, 80, 120, generator: new TorchSharp.torch.Generator(1)) * 255;
        using var objects = new DetectionTarget(tensor(new float[] { 10, 10, 30, 40, 60, 20, 80, 50 }, new long[] { 2, 4 }), tensor(new long[] { 0, 0 }));
        var settings = new CropSettings(2, 64, 0.5, new CropJitter(0.2, 0.25));
        var (cropA, targetA, mapA) = CropTrainingSample.Make(frame, objects, 1, settings, new Random(11));
        var (cropB, targetB, mapB) = CropTrainingSample.Make(frame, objects, 1, settings, new Random(11));
        Assert.Equal(mapA, mapB);
        Assert.True(cropA.equal(cropB).all().item<bool>());
        var j = settings.Jitter.Sample(new Random(11));
        Assert.Equal(CropRegion.Around(new BoxXyxy(60, 20, 80, 50), 2, 64, j), mapA);
        // object 1 is inside the crop (its centre moved by at most 0.2 side); its mapped box is a label
        var kept = CropBoxMapping.FrameToCrop(mapA, new[] { new BoxXyxy(10, 10, 30, 40), new BoxXyxy(60, 20, 80, 50) }, 0.5);
        Assert.Equal(kept.Count, (int)targetA.Count);
        Assert.Contains(kept, k => k.Index == 1);
        targetA.Dispose();
        targetB.Dispose();
        Assert.Throws<ArgumentOutOfRangeException>(() => CropTrainingSample.Make(frame, objects, 2, settings, new Random(1)));
    }
}
