using Research.Core.Mlflow;
using Xunit;

namespace Research.Core.Tests.Mlflow;

/// <summary>Key and value validation against the rules and messages observed on MLflow 2.10.2 (notes §3).</summary>
public class MlflowNamesTests
{
    [Theory]
    [InlineData("loss")]
    [InlineData("a/b c-d.e_f")]
    [InlineData("loss..x")]
    [InlineData("lr/group 0")]
    public void AcceptsLegalKeys(string key) => MlflowNames.ValidateMetricKey(key);

    [Fact]
    public void BadCharactersGiveMlflowsMessageNamingTheKey()
    {
        var e = Assert.Throws<TrackingException>(() => MlflowNames.ValidateMetricKey("bad key!"));
        Assert.Equal("Invalid metric name: 'bad key!'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/).", e.Message);
        Assert.StartsWith("Invalid tag name: 'bad tag?'.", Assert.Throws<TrackingException>(() => MlflowNames.ValidateTagKey("bad tag?")).Message);
    }

    [Theory]
    [InlineData("../evil", "../evil")]
    [InlineData("/abs", "/abs")]
    [InlineData("a//b", "a/b")]
    [InlineData("a/", "a")]
    [InlineData("./a", "a")]
    [InlineData("..x", "..x")]
    [InlineData("a/../b", "b")]
    public void KeysThatChangeUnderPathNormalisationAreRefused(string key, string resolved)
    {
        var e = Assert.Throws<TrackingException>(() => MlflowNames.ValidateMetricKey(key));
        Assert.Equal($"Invalid metric name: '{key}'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '{resolved}'", e.Message);
    }

    [Fact]
    public void ParamLimitsAre250And6000()
    {
        MlflowNames.ValidateParam(new string('k', 250), new string('v', 6000));
        Assert.StartsWith("Param key 'kkk", Assert.Throws<TrackingException>(() => MlflowNames.ValidateParam(new string('k', 251), "v")).Message);
        Assert.Contains("had length 251, which exceeded length limit of 250", Assert.Throws<TrackingException>(() => MlflowNames.ValidateParam(new string('k', 251), "v")).Message);
        Assert.Contains("had length 6001, which exceeded length limit of 6000 (param key 'p')", Assert.Throws<TrackingException>(() => MlflowNames.ValidateParam("p", new string('v', 6001))).Message);
        Assert.Contains("exceeded length limit of 5000", Assert.Throws<TrackingException>(() => MlflowNames.ValidateTag("t", new string('v', 5001))).Message);
        Assert.StartsWith("Missing value for required parameter 'key'", Assert.Throws<TrackingException>(() => MlflowNames.ValidateMetricKey("")).Message);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a/../../x")]
    [InlineData("/etc/passwd")]
    [InlineData("a//b")]
    [InlineData("a\\b")]
    [InlineData("")]
    public void ArtifactPathsCannotLeaveTheArtifactRoot(string path) =>
        Assert.Throws<TrackingException>(() => MlflowNames.ValidateArtifactPath(path));

    [Fact]
    public void IdsFollowMlflowsPatterns()
    {
        MlflowNames.ValidateRunId("600a5108ccbf427f802805810316acf9");
        MlflowNames.ValidateRunId("my-run-1");
        Assert.Equal("Invalid run ID: 'bad id'", Assert.Throws<TrackingException>(() => MlflowNames.ValidateRunId("bad id")).Message);
        Assert.Equal("Invalid experiment ID: 'bad id'", Assert.Throws<TrackingException>(() => MlflowNames.ValidateExperimentId("bad id")).Message);
    }
}
