using System.Diagnostics.CodeAnalysis;

namespace DevServe;

/// <summary>
/// Recently used values of a content-addressed store, least recently used out first past a byte bound, each with when
/// its TTL was last renewed by this process. Thread-safe.
/// </summary>
internal sealed class BoundedValues(long maxBytes)
{
    private readonly object _gate = new();
    private readonly LinkedList<(string Key, byte[] Value, long Renewed)> _order = new();
    private readonly Dictionary<string, LinkedListNode<(string Key, byte[] Value, long Renewed)>> _byKey = new(StringComparer.Ordinal);
    private long _bytes;

    public bool TryGet(string key, [MaybeNullWhen(false)] out byte[] value)
    {
        lock (_gate)
        {
            if (_byKey.TryGetValue(key, out var node))
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

    /// <summary>Whether this process renewed <paramref name="key"/>'s TTL less than <paramref name="interval"/> ago.</summary>
    public bool RenewedWithin(string key, TimeSpan interval)
    {
        lock (_gate)
        {
            return _byKey.TryGetValue(key, out var node) && node.Value.Renewed != 0
                && System.Diagnostics.Stopwatch.GetElapsedTime(node.Value.Renewed) < interval;
        }
    }

    public void Add(string key, byte[] value, bool renewed)
    {
        if (value.LongLength > maxBytes / 4)
        {
            return;   // one huge value would push out everything else
        }
        lock (_gate)
        {
            var stamp = renewed ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
            if (_byKey.Remove(key, out var old))
            {
                _order.Remove(old);
                _bytes -= old.Value.Value.LongLength;
                stamp = renewed ? stamp : old.Value.Renewed;
            }
            _byKey[key] = _order.AddLast((key, value, stamp));
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
