using System.Diagnostics.CodeAnalysis;
using DevServe.Internal;

namespace DevServe;

/// <summary>
/// Keeps continuations while the memory they hold stays under a threshold, evicting the least recently used ones
/// at once when a new one would pass it. Nothing is ever evicted below the threshold.
/// </summary>
/// <remarks>
/// <para>Racket: <c>make-threshold-LRU-manager</c> (managers/lru.rkt) gives each continuation 24 life points and takes
/// one every 10 minutes, or every 5 s while <c>current-memory-use</c> of the whole VM is above the threshold. A hello
/// server's own footprint is above the 64 MiB default, so there every continuation dies within ~2 minutes, and
/// under a burst memory keeps growing until enough 5-second passes have run.</para>
/// <para>How memory is measured here: each continuation is charged an estimate when it is stored: a fixed
/// cost for the suspended flow (its async state machine, task, context and manager entry: ~1.4 KB measured per
/// live flow, continuation-notes.md §2) plus the bytes of the request it added to its replay log (URL, headers,
/// body, bindings). The sum is exact bookkeeping, so eviction is immediate and deterministic, and when an entry
/// goes nothing else holds its flow, so the estimate is what is freed. What a servlet's own locals capture
/// (a big list kept across a suspension) is not seen; process-wide measures cannot attribute memory to
/// continuations either (Racket's cannot tell them from the server itself), so this one is sound for what the
/// manager controls and the threshold should leave room for what servlets hold.</para>
/// </remarks>
public sealed class ThresholdLruManager : IManager
{
    /// <summary>Racket's <c>dispatch/servlet</c> default: 64 MiB.</summary>
    public const long DefaultThreshold = 64L * 1024 * 1024;

    private readonly object _lock = new();
    private readonly Dictionary<(int Instance, long Id), LinkedListNode<Entry>> _entries = [];
    private readonly Dictionary<int, HashSet<long>> _instances = [];
    private readonly LinkedList<Entry> _lru = new();   // least recently used first
    private int _nextInstance;
    private long _nextId;
    private long _bytes;

    /// <summary>Creates a manager that holds at most <paramref name="memoryThreshold"/> bytes of continuations.</summary>
    public ThresholdLruManager(long memoryThreshold = DefaultThreshold, Func<Request, Response>? expirationHandler = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(memoryThreshold);
        MemoryThreshold = memoryThreshold;
        ExpirationHandler = expirationHandler ?? ExpiredPage.Default;
    }

    private sealed record Entry(int Instance, long Id, ulong Salt, object Continuation, long Bytes);

    /// <summary>The bound on the estimated bytes of all continuations kept.</summary>
    public long MemoryThreshold { get; }

    /// <inheritdoc/>
    public Func<Request, Response> ExpirationHandler { get; }

    /// <summary>Continuations kept now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Estimated bytes held by the continuations kept now.</summary>
    public long EstimatedBytes => Interlocked.Read(ref _bytes);

    /// <inheritdoc/>
    public int CreateInstance(Action? expire = null) => Interlocked.Increment(ref _nextInstance);

    /// <inheritdoc/>
    public void AdjustTimeout(int instance, TimeSpan timeout) { }

    /// <inheritdoc/>
    public void ClearContinuations(int instance)
    {
        lock (_lock)
        {
            if (_instances.Remove(instance, out var ids))
            {
                foreach (var id in ids)
                {
                    if (_entries.Remove((instance, id), out var node))
                    {
                        Drop(node);
                    }
                }
            }
        }
    }

    /// <inheritdoc/>
    public bool TryStore(int instance, object continuation, out long id, out ulong salt)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        var bytes = continuation is IEstimatedSize sized ? sized.EstimatedBytes : IEstimatedSize.FlowBytes;
        salt = Salt.Next();
        lock (_lock)
        {
            id = ++_nextId;
            var node = _lru.AddLast(new Entry(instance, id, salt, continuation, bytes));
            _entries[(instance, id)] = node;
            if (!_instances.TryGetValue(instance, out var ids))
            {
                _instances[instance] = ids = [];
            }
            ids.Add(id);
            _bytes += bytes;
            // Over the threshold: evict the least recently used at once (never the one just stored).
            while (_bytes > MemoryThreshold && _lru.First != node)
            {
                var oldest = _lru.First!;
                _entries.Remove((oldest.Value.Instance, oldest.Value.Id));
                if (_instances.TryGetValue(oldest.Value.Instance, out var siblings) && siblings.Remove(oldest.Value.Id) && siblings.Count == 0)
                {
                    _instances.Remove(oldest.Value.Instance);
                }
                Drop(oldest);
            }
        }
        return true;
    }

    private void Drop(LinkedListNode<Entry> node)
    {
        _lru.Remove(node);
        _bytes -= node.Value.Bytes;
    }

    /// <inheritdoc/>
    public bool TryLookup(int instance, long id, ulong salt, [MaybeNullWhen(false)] out object continuation)
        => Find(instance, id, salt, touch: true, out continuation);

    /// <inheritdoc/>
    public bool TryPeek(int instance, long id, ulong salt, [MaybeNullWhen(false)] out object continuation)
        => Find(instance, id, salt, touch: false, out continuation);

    private bool Find(int instance, long id, ulong salt, bool touch, [MaybeNullWhen(false)] out object continuation)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue((instance, id), out var node) && node.Value.Salt == salt)
            {
                if (touch)
                {
                    _lru.Remove(node);
                    _lru.AddLast(node);
                }
                continuation = node.Value.Continuation;
                return true;
            }
        }
        continuation = null;
        return false;
    }
}
