using System.Collections;
using System.Globalization;

namespace Research.Core.Mlflow;

/// <summary>
/// Flattens a nested configuration (dictionaries, lists, scalars) into MLflow params with dotted keys:
/// <c>{model: {poto: {alpha: 0.8}}}</c> → <c>model.poto.alpha = "0.8"</c>. Lists become one value
/// (<c>[640, 672]</c>); numbers use invariant culture and round-trip formatting; booleans are <c>true</c>/<c>false</c>.
/// </summary>
public static class ParamFlattener
{
    /// <summary>The flat (key → text) form of <paramref name="config"/>, keys in ordinal order.</summary>
    public static SortedDictionary<string, string> Flatten(IEnumerable<KeyValuePair<string, object?>> config)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in config) Add(result, key, value);
        return result;
    }

    private static void Add(SortedDictionary<string, string> result, string key, object? value)
    {
        switch (value)
        {
            case IDictionary dict:
                foreach (DictionaryEntry e in dict) Add(result, $"{key}.{e.Key}", e.Value);
                break;
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                foreach (var (k, v) in pairs) Add(result, $"{key}.{k}", v);
                break;
            default:
                result[key] = Format(value);
                break;
        }
    }

    /// <summary>The text of a scalar or list as a param value.</summary>
    public static string Format(object? value) => value switch
    {
        null => "null",
        string s => s,
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable list => "[" + string.Join(", ", list.Cast<object?>().Select(Format)) + "]",
        _ => value.ToString() ?? "",
    };
}
