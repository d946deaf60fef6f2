using System.Diagnostics.CodeAnalysis;

namespace DevServe;

/// <summary>
/// Recently used values of a content-addressed store (<see cref="DirectoryStore"/>, <c>RedisStore</c>), least recently
/// used out first past a byte bound, each with when it was last written or read from the store. Thread-safe.
/// </summary>
internal sealed class BoundedValues(long maxBytes)
{
    /// <summary>Whether <paramref name="key"/> is one a content-addressed store takes: a lower-case hex hash, so it names no path or other key.</summary>
    public static bool IsKey(string key) => key is { Length: > 0 and <= 128 } && key.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

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

    /// <summary>Keeps <paramref name="value"/> as the most recently used, unless it is over a quarter of the bound.</summary>
    public void Add(string key, byte[] value)
    {
        if (value.LongLength > maxBytes / 4)
        {
            return;   // one huge value would push out everything else
        }
        lock (_gate)
        {
            RemoveUnderGate(key);
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

    /// <summary>Forgets <paramref name="key"/>'s value (the store no longer holds it).</summary>
    public void Remove(string key)
    {
        lock (_gate)
        {
            RemoveUnderGate(key);
        }
    }

    private void RemoveUnderGate(string key)
    {
        if (_byKey.Remove(key, out var old))
        {
            _order.Remove(old);
            _bytes -= old.Value.Value.LongLength;
        }
    }
}
