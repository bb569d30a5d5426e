namespace Research.Core.Mlflow;

/// <summary>
/// Generated run names in MLflow's style (adjective-animal-number, e.g. <c>bold-heron-417</c>), for runs
/// started without a name, so every run shows a readable name in the UI.
/// </summary>
public static class RunNames
{
    private static readonly string[] Adjectives =
    [
        "amber", "bold", "brave", "bright", "calm", "clever", "crisp", "dapper", "eager", "fancy", "gentle", "glowing",
        "honest", "jolly", "keen", "lively", "lucky", "merry", "nimble", "polite", "proud", "quiet", "rare", "shy",
        "silent", "sleek", "swift", "tidy", "vivid", "wise",
    ];

    private static readonly string[] Animals =
    [
        "ant", "bass", "bear", "crane", "crow", "deer", "dove", "eel", "finch", "fox", "gnat", "hare", "hawk", "heron",
        "ibis", "jay", "koi", "lark", "lynx", "mole", "newt", "owl", "panda", "quail", "ram", "seal", "snail", "toad",
        "wasp", "wren",
    ];

    /// <summary>A new random name.</summary>
    public static string Generate() =>
        $"{Adjectives[Random.Shared.Next(Adjectives.Length)]}-{Animals[Random.Shared.Next(Animals.Length)]}-{Random.Shared.Next(1000)}";
}
