using Research.Core.Mlflow;
using Xunit;

namespace Research.Core.Tests.Mlflow;

/// <summary>Which tracking URIs are accepted (local folders, file:, http(s)://) and how the rest is refused.</summary>
public class TrackingUriTests
{
    [Theory]
    [InlineData("mlruns")]
    [InlineData("./mlruns")]
    [InlineData("../runs/mlruns")]
    [InlineData("/abs/path/mlruns")]
    [InlineData(@"C:\mlruns")]
    [InlineData("C:/mlruns")]
    [InlineData(@".\mlruns")]
    [InlineData("file:///tmp/mlruns")]
    [InlineData("file:relative/mlruns")]
    [InlineData("http://localhost:5000")]
    [InlineData("https://user:secret@mlflow.example/prefix")]
    [InlineData("./weird:name")]
    public void LocalFoldersFileAndHttpUrisAreAccepted(string uri) => Assert.Null(TrackingUri.Problem(uri));

    [Theory]
    [InlineData("ftp://host/x", "the ftp: scheme is not supported")]
    [InlineData("s3://bucket", "the s3: scheme is not supported")]
    [InlineData("mlflow-artifacts:/x", "the mlflow-artifacts: scheme is not supported")]
    [InlineData("sqlite:///mlflow.db", "the sqlite: scheme is not supported")]
    [InlineData("databricks", "MLflow reads 'databricks' as a Databricks workspace, which is not supported (write ./databricks for a local folder of that name)")]
    [InlineData("Databricks-UC", "MLflow reads 'Databricks-UC' as a Databricks workspace")]
    [InlineData("http:host:5000", "an http: URI needs '//' after the colon (http://host:5000)")]
    [InlineData("http://", "it is not a valid http(s) URL (no host name)")]
    [InlineData("  ", "it is empty")]
    public void OtherSchemesAreRefusedSayingWhy(string uri, string reason) => Assert.StartsWith(reason, TrackingUri.Problem(uri));

    [Fact]
    public void OpeningARefusedUriThrowsTwoLinesNamingTheUriAndWhatIsAccepted()
    {
        var e = Assert.Throws<ArgumentException>(() => new MlflowTracker("ftp://user:pw@host/x"));
        Assert.Equal("tracking URI = 'ftp://host/x': the ftp: scheme is not supported" + Environment.NewLine + "  " + TrackingUri.Accepted, e.Message);
        Assert.DoesNotContain("pw", e.Message);   // credentials are never printed
    }
}
