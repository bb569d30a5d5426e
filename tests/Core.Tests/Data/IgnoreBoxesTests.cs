using Research.Core.Data;
using Research.Core.Runtime;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Research.Core.Tests.Data;

/// <summary>Ignore regions (crowd annotations) travel from the dataset to <see cref="DetectionTarget.IgnoreBoxes"/>.</summary>
public class IgnoreBoxesTests
{
    public IgnoreBoxesTests() => TorchRuntime.EnsureLoaded();

    private static float[] Values(Tensor t) => t.data<float>().ToArray();

    [Fact]
    public void CocoCrowdBoxesAreResizedFlippedAndClippedLikeTheTargets()
    {
        using var f = new DataFixture();
        var ds = CocoDataset.Load(f.Json("coco_valid.json"), f.Directory);
        var preparer = new ImagePreparer(new InputOptions { MinSizeTrain = new[] { 60 }, MaxSizeTrain = 1000 });
        // Image 2 (40x30): crowd annotation 13 [5, 5, 5, 5] → XYXY [5, 5, 10, 10] → ×2 → [10, 10, 20, 20] → flipped in 80 → [60, 10, 70, 20].
        var flipped = preparer.Prepare(ds.Image(2), 60, 1000, flip: true);
        Assert.Equal(new[] { new BoxXyxy(60, 10, 70, 20) }, flipped.IgnoreBoxes);
        Assert.Equal(new[] { new BoxXyxy(0, 0, 80, 60) }, flipped.Boxes);          // the non-crowd one, a target
        var plain = preparer.Prepare(ds.Image(2), 30, 1000, flip: false);
        Assert.Equal(new[] { new BoxXyxy(5, 5, 10, 10) }, plain.IgnoreBoxes);
        Assert.Empty(preparer.Prepare(ds.Image(1), 30, 1000, flip: false).IgnoreBoxes);

        using var batch = BatchCollator.Collate(new[] { flipped, preparer.Prepare(ds.Image(1), 60, 1000, flip: false) }, 32, withTargets: true);
        var ignore = batch.Targets![0].IgnoreBoxes!;
        Assert.Equal(new long[] { 1, 4 }, ignore.shape);
        Assert.Equal(ScalarType.Float32, ignore.dtype);
        Assert.Equal(new float[] { 60, 10, 70, 20 }, Values(ignore));
        Assert.Equal(new long[] { 0, 4 }, batch.Targets[1].IgnoreBoxes!.shape);
        using var moved = batch.Targets[0].To(CPU);
        Assert.Equal(new float[] { 60, 10, 70, 20 }, Values(moved.IgnoreBoxes!));
    }

    [Fact]
    public void AnIgnoreOnlyCrowdHumanImageTrainsAsBackgroundWithItsIgnoreBoxesInTheBatch()
    {
        using var f = new OdgtFixture();
        // "d" (20x20): a person and a mask box reaching past the left border ([-4, 2, 10, 6] → clipped [0, 2, 6, 8]);
        // "c" (20x20): only a mask box.
        var odgt = f.Odgt("train.odgt",
            """{"ID": "d", "gtboxes": [{"tag": "person", "fbox": [8, 4, 6, 12]}, {"tag": "mask", "fbox": [-4, 2, 10, 6], "extra": {"ignore": 1}}]}""",
            """{"ID": "c", "gtboxes": [{"tag": "mask", "fbox": [2, 2, 4, 4], "extra": {"ignore": 1}}]}""");
        var ds = CrowdHumanDataset.Load(odgt, f.ImageDir);
        Assert.Equal(new long[] { 1, 2 }, ds.TrainingImages.Select(i => i.Id));
        var input = new InputOptions { MinSizeTrain = new[] { 40 }, MaxSizeTrain = 100, Flip = false };
        using var source = new TrainBatchSource(ds, input, batchSize: 2, seed: 1, prefetchDepth: 0);
        Assert.Equal(2, source.EpochSize);
        using var batch = source.GetBatch(0);
        var byId = batch.ImageIds.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => batch.Targets![p.i]);
        // ×2 (20 → 40): person [16, 8, 28, 32]; ignore [0, 4, 12, 16].
        Assert.Equal(new float[] { 16, 8, 28, 32 }, Values(byId[1].Boxes));
        Assert.Equal(new float[] { 0, 4, 12, 16 }, Values(byId[1].IgnoreBoxes!));
        Assert.Equal(0, byId[2].Count);
        Assert.Equal(new float[] { 4, 4, 12, 12 }, Values(byId[2].IgnoreBoxes!));
    }

    [Fact]
    public void TargetsRefuseIgnoreBoxesOfTheWrongShapeAndHandMadeOnesHaveNone()
    {
        using var target = new DetectionTarget(zeros(1, 4), zeros(1, dtype: ScalarType.Int64));
        using var moved = target.To(CPU);
        Assert.Null(target.IgnoreBoxes);
        Assert.Null(moved.IgnoreBoxes);
        var e = Assert.Throws<ArgumentException>(() => new DetectionTarget(zeros(1, 4), zeros(1, dtype: ScalarType.Int64), zeros(2, 5)));
        Assert.Equal("ignore boxes must be (G, 4), got (2, 5)", e.Message);
    }
}
