using Research.Core.Data;
using Xunit;

namespace Research.Core.Tests.Data;

public class CocoDatasetTests
{
    [Fact]
    public void CategoryIdsMapToContiguousClassesBySortedIdAndBack()
    {
        using var f = new DataFixture();
        var ds = CocoDataset.Load(f.Json("coco_valid.json"), f.Directory);
        // Categories 3 (cat), 7 (dog), 5 (bird) → sorted ids 3, 5, 7 → classes 0, 1, 2.
        Assert.Equal(new[] { "cat", "bird", "dog" }, ds.ClassNames);
        Assert.Equal(0, ds.ToClass(3));
        Assert.Equal(1, ds.ToClass(5));
        Assert.Equal(2, ds.ToClass(7));
        Assert.Equal(new long[] { 3, 5, 7 }, Enumerable.Range(0, 3).Select(ds.ToCategoryId));
        var ann10 = ds.Image(1).Annotations.Single(a => a.Id == 10);
        Assert.Equal((7L, 2), (ann10.CategoryId, ann10.Class));
        Assert.Equal((2.0, 3.0, 12.0, 11.0), ann10.Xyxy);
        Assert.Throws<DatasetException>(() => ds.ToClass(4));
    }

    [Fact]
    public void CrowdBoxesAreKeptForEvaluationButNotTrainingAndEmptyImagesAreFilteredFromTraining()
    {
        using var f = new DataFixture();
        var ds = CocoDataset.Load(f.Json("coco_valid.json"), f.Directory);
        Assert.Equal(new long[] { 1, 2, 5, 7 }, ds.Images.Select(i => i.Id));
        // Image 5 has only a crowd box and image 7 none: cvpods drops both from training.
        Assert.Equal(new long[] { 1, 2 }, ds.TrainingImages.Select(i => i.Id));
        var img2 = ds.Image(2);
        Assert.Equal(new long[] { 12, 13 }, img2.Annotations.Select(a => a.Id));
        Assert.True(img2.Annotations.Single(a => a.Id == 13).IsCrowd);
        Assert.Equal(new long[] { 12 }, img2.TrainingAnnotations.Select(a => a.Id));
        Assert.Equal(25.0, img2.Annotations.Single(a => a.Id == 13).Area);
        Assert.Equal(Path.Combine(f.Directory, "a.png"), ds.Image(1).Path);
        Assert.Equal(0, ds.Report.SkippedImages + ds.Report.SkippedAnnotations);
    }

    [Theory]
    [InlineData("bad_missing_image.json", "image id 9: image file not found", 1, 0)]
    [InlineData("bad_box_size.json", "annotation id 21 (image id 1): box [5, 5, 0, 4] has non-positive width or height", 0, 1)]
    [InlineData("bad_box_outside.json", "annotation id 22 (image id 1): box [30, 5, 15, 4] lies outside the 40x30 image", 0, 1)]
    [InlineData("bad_unknown_category.json", "annotation id 23 (image id 1): unknown category id 42", 0, 1)]
    [InlineData("bad_duplicate_image.json", "image id 2: duplicate image id", 1, 0)]
    [InlineData("bad_unknown_image.json", "annotation id 24 (image id 99): unknown image id", 0, 1)]
    [InlineData("bad_size_mismatch.json", "image id 5: image file is 20x20 but the json says 21x20", 1, 0)]
    public void BadEntriesFailWithAOneLineMessageOrAreSkippedAndCounted(string file, string expected, int skippedImages, int skippedAnnotations)
    {
        using var f = new DataFixture();
        var json = f.Json(file);
        var e = Assert.Throws<DatasetException>(() => CocoDataset.Load(json, f.Directory));
        Assert.StartsWith($"{json}: {expected}", e.Message);
        Assert.DoesNotContain('\n', e.Message);

        var warnings = new List<string>();
        var ds = CocoDataset.Load(json, f.Directory, new CocoLoadOptions { OnError = OnDataError.Skip, Warn = warnings.Add });
        Assert.Equal(skippedImages, ds.Report.SkippedImages);
        Assert.Equal(skippedAnnotations, ds.Report.SkippedAnnotations);
        Assert.Single(ds.Report.Warnings);
        Assert.StartsWith($"{json}: {expected}", ds.Report.Warnings[0]);
        Assert.Equal($"warning: {ds.Report.Warnings[0]}", warnings[0]);
        Assert.Contains("skipped", warnings[^1]);
        // What is left is the valid dataset: both training images with their 3 non-crowd boxes.
        Assert.Equal(new long[] { 1, 2 }, ds.TrainingImages.Select(i => i.Id));
        Assert.Equal(3, ds.TrainingImages.Sum(i => i.TrainingAnnotations.Count()));
    }

    [Fact]
    public void SkippedImageTakesItsAnnotationsWithItSilently()
    {
        using var f = new DataFixture();
        var json = f.Json("bad_size_mismatch.json");
        var ds = CocoDataset.Load(json, f.Directory, new CocoLoadOptions { OnError = OnDataError.Skip, Warn = _ => { } });
        Assert.Equal(new long[] { 1, 2, 7 }, ds.Images.Select(i => i.Id));
        Assert.Equal((1, 0), (ds.Report.SkippedImages, ds.Report.SkippedAnnotations));   // annotation 14 went with image 5
    }

    [Fact]
    public void TruncatedJsonAlwaysFailsNamingFileAndPosition()
    {
        using var f = new DataFixture();
        var json = f.Json("bad_truncated.json");
        foreach (var mode in new[] { OnDataError.Fail, OnDataError.Skip })
        {
            var e = Assert.Throws<DatasetException>(() => CocoDataset.Load(json, f.Directory, new CocoLoadOptions { OnError = mode }));
            Assert.StartsWith($"{json}: not valid JSON (line 1, byte ", e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
    }

    [Fact]
    public void DuplicateAnnotationIdFailsEvenWhenSkippingNamingBothAnnotations()
    {
        using var f = new DataFixture();
        var json = f.Json("bad_duplicate_annotation.json");
        // Id 11 is annotations[1] (image 1, line 42) and again annotations[5] (image 2, line 94): which one is meant?
        var expected = $"{json}: duplicate annotation id 11: annotations[5] (image id 2, line 94) repeats annotations[1] (image id 1, line 42); " +
                       "ids must be unique (pycocotools would keep only the last one)";
        foreach (var mode in new[] { OnDataError.Fail, OnDataError.Skip })
        {
            var e = Assert.Throws<DatasetException>(() => CocoDataset.Load(json, f.Directory, new CocoLoadOptions { OnError = mode, Warn = _ => { } }));
            Assert.Equal(expected, e.Message);
        }
    }

    [Fact]
    public void TrainingAndEvaluationReadersRefuseADuplicateAnnotationIdWithTheSameWords()
    {
        using var f = new DataFixture();
        var json = Path.Combine(f.Directory, "dup.json");
        File.WriteAllText(json, """
            {"images": [{"id": 1, "file_name": "a.png", "width": 40, "height": 30},
                        {"id": 2, "file_name": "b.png", "width": 40, "height": 30}],
             "annotations": [
              {"id": 3, "image_id": 2, "category_id": 1, "bbox": [1, 1, 5, 5], "area": 25},
              {"id": 3, "image_id": 1, "category_id": 1, "bbox": [1, 1, 5, 5], "area": 25}],
             "categories": [{"id": 1, "name": "x"}]}
            """);
        var training = Assert.Throws<DatasetException>(() => CocoDataset.Load(json, f.Directory));
        var evaluation = Assert.Throws<InvalidDataException>(() => Research.Core.Evaluation.CocoGroundTruth.Load(json));
        Assert.Equal($"{json}: duplicate annotation id 3: annotations[1] (image id 1, line 5) repeats annotations[0] (image id 2, line 4); " +
                     "ids must be unique (pycocotools would keep only the last one)", training.Message);
        Assert.Equal(training.Message, evaluation.Message);
    }

    [Fact]
    public void DuplicateCategoryIdFailsEvenWhenSkipping()
    {
        using var f = new DataFixture();
        var json = f.Json("bad_duplicate_category.json");
        var e = Assert.Throws<DatasetException>(() => CocoDataset.Load(json, f.Directory, new CocoLoadOptions { OnError = OnDataError.Skip }));
        Assert.Equal($"{json}: category id 7: duplicate category id", e.Message);
    }

    [Fact]
    public void MissingAnnotationFileAndMissingArraysAreNamed()
    {
        using var f = new DataFixture();
        var missing = Path.Combine(f.Directory, "nope.json");
        Assert.Equal($"{missing}: annotation file not found", Assert.Throws<DatasetException>(() => CocoDataset.Load(missing, f.Directory)).Message);
        var noImages = Path.Combine(f.Directory, "no_images.json");
        File.WriteAllText(noImages, "{\"annotations\": [], \"categories\": [{\"id\": 1, \"name\": \"x\"}]}");
        Assert.Equal($"{noImages}: missing \"images\" array", Assert.Throws<DatasetException>(() => CocoDataset.Load(noImages, f.Directory)).Message);
    }

    [Fact]
    public void CorruptImageFileIsNamedAtLoad()
    {
        using var f = new DataFixture();
        var json = f.Json("coco_valid.json");
        File.WriteAllBytes(Path.Combine(f.Directory, "d.png"), new byte[] { 0x89, 0x50, 0x4E, 0x47, 1, 2, 3 });
        var e = Assert.Throws<DatasetException>(() => CocoDataset.Load(json, f.Directory));
        Assert.StartsWith($"{json}: image id 7: image file cannot be decoded", e.Message);
    }
}
