using System.Diagnostics.CodeAnalysis;

namespace DevServe;

/// <summary>
/// Recently used values of a content-addressed store, least recently used out first past a byte bound, each with when
/// it was last written or read from the store. Thread-safe.
/// </summary>
internal sealed class BoundedValues(long maxBytes)
{
    private readonly object _gate = new();
    private readonly LinkedList<(string Key, byte[] Value, long Seen)> _order = new();
    private readonly Dictionary<string, LinkedListNode<(string Key, byte[] Value, long Seen)>> _byKey = new(StringComparer.Ordinal);
    private long _bytes;

    /// <summary>The value under <paramref name="key"/>, if it was seen in the store less than <paramref name="maxAge"/> ago.</summary>
    public bool TryGet(string key, TimeSpan maxAge, [MaybeNullWhen(false)] out byte[] value)
    {
        lock (_gate)
        {
            if (_byKey.TryGetValue(key, out var node) && System.Diagnostics.Stopwatch.GetElapsedTime(node.Value.Seen) < maxAge)
            {
                _order.Remove(node);
                _order.AddLast(node);
                value = node.Value.Value;
                return true;
            }
        }
        value = null;
        return false;
    }

    public void Add(string key, byte[] value)
    {
        if (value.LongLength > maxBytes / 4)
        {
            return;   // one huge value would push out everything else
        }
        lock (_gate)
        {
            if (_byKey.Remove(key, out var old))
            {
                _order.Remove(old);
                _bytes -= old.Value.Value.LongLength;
            }
            _byKey[key] = _order.AddLast((key, value, System.Diagnostics.Stopwatch.GetTimestamp()));
            _bytes += value.LongLength;
            while (_bytes > maxBytes && _order.First is { } first)
            {
                _order.RemoveFirst();
                _byKey.Remove(first.Value.Key);
                _bytes -= first.Value.Value.LongLength;
            }
        }
    }
}
