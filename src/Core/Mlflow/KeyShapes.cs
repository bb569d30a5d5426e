namespace Research.Core.Mlflow;

/// <summary>
/// The keys of one kind (metrics, params or tags) used by a run, checked so that no key is a <c>/</c>-prefix of
/// another: the file store keeps key <c>a/b</c> as the file <c>b</c> in the folder <c>a</c>, so keys <c>loss</c> and
/// <c>loss/cls</c> cannot both exist (MLflow's own file store fails the same way). Refused up front, naming both
/// keys, rather than failing on every write later.
/// </summary>
internal sealed class KeyShapes(string kind)
{
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private readonly HashSet<string> _folders = new(StringComparer.Ordinal);

    /// <summary>Accepts <paramref name="key"/> or throws a <see cref="TrackingException"/> naming the clashing key.</summary>
    public void Check(string key)
    {
        lock (_keys)
        {
            if (_keys.Contains(key)) return;
            if (_folders.Contains(key))
            {
                var other = _keys.First(k => k.StartsWith(key + "/", StringComparison.Ordinal));
                throw Clash(key, other);
            }
            for (var i = key.IndexOf('/'); i >= 0; i = key.IndexOf('/', i + 1))
                if (_keys.Contains(key[..i])) throw Clash(key, key[..i]);
            _keys.Add(key);
            for (var i = key.IndexOf('/'); i >= 0; i = key.IndexOf('/', i + 1)) _folders.Add(key[..i]);
        }
    }

    private TrackingException Clash(string key, string other) =>
        new($"The {kind} key '{key}' clashes with the {kind} key '{other}' of the same run: MLflow stores a key with '/' as a folder, " +
            $"so one key cannot be both a name and a folder prefix of another. Rename one of them (e.g. '{other.Replace('/', '_')}').");
}
