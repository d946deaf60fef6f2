using System.Collections.Concurrent;

namespace DevServe.Hosting;

/// <summary>
/// A process-wide cache that cannot grow without end: once it holds <paramref name="capacity"/> entries it starts
/// over. Its keys come from what a long-running server meets (script directories, package files), so the set is
/// small in practice; the bound is for the process that runs for weeks.
/// </summary>
/// <remarks>Starting over, not evicting one by one: every entry here is cheap to make again, and no order is kept.</remarks>
internal sealed class BoundedCache<TKey, TValue>(int capacity) where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, TValue> _entries = new();

    /// <summary>How many entries it holds.</summary>
    public int Count => _entries.Count;

    /// <summary>The value for <paramref name="key"/>, if present.</summary>
    public bool TryGet(TKey key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out TValue value) => _entries.TryGetValue(key, out value);

    /// <summary>Sets the value for <paramref name="key"/>.</summary>
    public void Set(TKey key, TValue value)
    {
        if (_entries.Count >= capacity && !_entries.ContainsKey(key))
        {
            _entries.Clear();
        }
        _entries[key] = value;
    }

    /// <summary>The value for <paramref name="key"/>, made by <paramref name="make"/> when missing.</summary>
    public TValue GetOrAdd(TKey key, Func<TKey, TValue> make)
    {
        if (_entries.TryGetValue(key, out var value))
        {
            return value;
        }
        if (_entries.Count >= capacity)
        {
            _entries.Clear();
        }
        return _entries.GetOrAdd(key, make);
    }
}
