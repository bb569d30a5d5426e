namespace Research.Core.Training;

/// <summary>Running means of named scalars over the iterations since the last <see cref="Reset"/> (insertion order kept).</summary>
internal sealed class MetricWindow
{
    private readonly Dictionary<string, (double Sum, long Count)> _sums = new();

    public void Add(string key, double value)
    {
        _sums.TryGetValue(key, out var s);
        _sums[key] = (s.Sum + value, s.Count + 1);
    }

    public void Add(IReadOnlyDictionary<string, double> values)
    {
        foreach (var (k, v) in values) Add(k, v);
    }

    public double Mean(string key) => _sums.TryGetValue(key, out var s) && s.Count > 0 ? s.Sum / s.Count : double.NaN;

    public Dictionary<string, double> Means(IEnumerable<string>? keys = null) =>
        (keys ?? _sums.Keys).Where(_sums.ContainsKey).ToDictionary(k => k, Mean);

    public IEnumerable<string> Keys => _sums.Keys;

    public void Reset() => _sums.Clear();
}
