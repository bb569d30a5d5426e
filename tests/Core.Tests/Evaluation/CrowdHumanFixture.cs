using System.Text.Json;
using Research.Core.Evaluation;
using Xunit;

namespace Research.Core.Tests.Evaluation;

/// <summary>
/// One case of Fixtures/evaluation/crowdhuman (generate_fixtures.py): its files and what the official
/// crowdhumantools.py reported for them, and the comparison of a result with such a report.
/// </summary>
internal sealed class CrowdHumanFixture
{
    private CrowdHumanFixture(string name, JsonElement expected)
    {
        Name = name;
        Expected = expected;
    }

    public string Name { get; }

    /// <summary>The whole expected.json.</summary>
    public JsonElement Expected { get; }

    public static CrowdHumanFixture Load(string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(System.IO.Path.Combine(Dir(name), "expected.json")));
        return new CrowdHumanFixture(name, document.RootElement.Clone());
    }

    public static string Dir(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", "evaluation", "crowdhuman", name);

    public string Path(string file) => System.IO.Path.Combine(Dir(Name), file);

    /// <summary>
    /// Asserts a result equals an official report ("official" or "official_on_equivalent_input"): AP, recall, the nine
    /// miss rates, P, the image count and every ranked detection (ID, label, score, clipped box) exactly; mMR to 1e-14
    /// relative, because numpy's vectorised log/exp (AVX-512 here) and .NET's libm differ in the last bit.
    /// </summary>
    public void AssertEqualsOfficial(CrowdHumanEvalResult result, CrowdHumanGroundTruth groundTruth, string report = "official")
    {
        var official = Expected.GetProperty(report);
        var label = $"{Name} ({report})";
        AssertExactly(official.GetProperty("ap").GetDouble(), result.Ap, $"{label}: AP");
        AssertExactly(official.GetProperty("recall").GetDouble(), result.Recall, $"{label}: recall");
        var refs = official.GetProperty("mr_at_refs").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(9, refs.Length);
        for (var k = 0; k < 9; k++) AssertExactly(refs[k], result.MissRateAtReferences[k], $"{label}: miss rate at reference {k}");
        var mmr = official.GetProperty("mmr").GetDouble();
        Assert.True(Math.Abs(mmr - result.MissRate) <= 1e-14 * Math.Abs(mmr), $"{label}: mMR expected {mmr:R}, got {result.MissRate:R}");
        Assert.Equal(official.GetProperty("positives").GetInt32(), result.Positives);
        Assert.Equal(official.GetProperty("images").GetInt32(), result.ImageCount);
        var ranked = official.GetProperty("ranked").EnumerateArray().ToArray();
        Assert.Equal(ranked.Length, result.Ranked.Count);
        for (var i = 0; i < ranked.Length; i++)
        {
            var e = ranked[i];
            var r = result.Ranked[i];
            var where = $"{label}: ranked[{i}]";
            Assert.True(e[0].GetString() == groundTruth.Images[r.ImageIndex].Id, $"{where}: ID expected {e[0]}, got {groundTruth.Images[r.ImageIndex].Id}");
            Assert.True((e[1].GetInt32() == 1) == r.IsTruePositive, $"{where}: label expected {e[1]}, got {(r.IsTruePositive ? 1 : 0)}");
            AssertExactly(e[2].GetDouble(), r.Score, $"{where}: score");
            var box = e[3].EnumerateArray().Select(v => v.GetDouble()).ToArray();
            AssertExactly(box[0], r.X1, $"{where}: x1");
            AssertExactly(box[1], r.Y1, $"{where}: y1");
            AssertExactly(box[2], r.X2, $"{where}: x2");
            AssertExactly(box[3], r.Y2, $"{where}: y2");
        }
    }

    private static void AssertExactly(double expected, double actual, string what) =>
        Assert.True(expected.Equals(actual), $"{what}: expected {expected:R}, got {actual:R}");
}
