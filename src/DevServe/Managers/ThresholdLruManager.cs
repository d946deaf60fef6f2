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
/// cost for the suspended flow (its frames or live state machine, log node and manager node: 515 B measured for a
/// resumable flow and ~1,000 B for a live one, charged as 672 B and 1,536 B to leave the GC its headroom) plus the
/// bytes of the request it added to its replay log (URL, body, and the headers it does not share with the request
/// before it). The sum is exact bookkeeping, so eviction is immediate and deterministic, and when an entry
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
    // Ids are unique across instances. Nodes are intrusive (one object per continuation, no per-instance set):
    // the manager's own share of a continuation's memory stays ~130 B.
    private readonly Dictionary<long, Kept> _entries = [];
    private readonly Dictionary<int, Kept> _instances = [];   // instance → its most recent continuation
    private Kept? _oldest;
    private Kept? _newest;
    private int _nextInstance;
    private long _nextId;
    private long _bytes;

    /// <summary>
    /// Keep, with each embedded handler, the conversation that led to its page (a development server's fix-and-retry
    /// replays it: <see cref="Conversation"/>). Off by default: it holds each conversation's requests, up to
    /// <c>1000</c> of them, for as long as its newest handler is kept.
    /// </summary>
    public bool KeepsConversations { get; init; }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">Not a node id (<see cref="NodeId.IsValid"/>).</exception>
    public string? Node
    {
        get;
        init => field = value is null || NodeId.IsValid(value) ? value : throw new ArgumentException(NodeId.Rule, nameof(value));
    }

    /// <summary>Creates a manager that holds at most <paramref name="memoryThreshold"/> bytes of continuations.</summary>
    public ThresholdLruManager(long memoryThreshold = DefaultThreshold, Func<Request, Response>? expirationHandler = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(memoryThreshold);
        MemoryThreshold = memoryThreshold;
        ExpirationHandler = expirationHandler ?? ExpiredPage.Default;
    }

    private sealed class Kept(int instance, long id, ulong salt, object continuation, long bytes)
    {
        public readonly int Instance = instance;
        public readonly long Id = id;
        public readonly ulong Salt = salt;
        public readonly object Continuation = continuation;
        public readonly long Bytes = bytes;
        public readonly long Stored = System.Diagnostics.Stopwatch.GetTimestamp();
        public Kept? Older, Newer;                 // the LRU list
        public Kept? InstanceOlder, InstanceNewer;   // the instance's continuations
    }

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

    /// <summary>The continuations kept now, most recently used first (at most <paramref name="limit"/>), for a person to look at.</summary>
    /// <param name="limit">How many to list.</param>
    public IReadOnlyList<ContinuationInfo> Snapshot(int limit = 100)
    {
        var list = new List<ContinuationInfo>();
        lock (_lock)
        {
            for (var node = _newest; node is not null && list.Count < limit; node = node.Older)
            {
                list.Add(new ContinuationInfo(node.Instance, node.Id, System.Diagnostics.Stopwatch.GetElapsedTime(node.Stored), node.Bytes));
            }
        }
        return list;
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
            if (_instances.Remove(instance, out var node))
            {
                for (; node is not null; node = node.InstanceOlder)
                {
                    _entries.Remove(node.Id);
                    Unlink(node);
                    _bytes -= node.Bytes;
                }
            }
        }
    }

    /// <inheritdoc/>
    public bool TryStore(int instance, object continuation, out long id, out ulong salt)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        var bytes = IManager.EstimatedBytes(continuation);
        salt = Salt.Next();
        lock (_lock)
        {
            id = ++_nextId;
            var node = new Kept(instance, id, salt, continuation, bytes);
            _entries.Add(id, node);
            if (_instances.TryGetValue(instance, out var newestOfInstance))
            {
                newestOfInstance.InstanceNewer = node;
                node.InstanceOlder = newestOfInstance;
            }
            _instances[instance] = node;
            Append(node);
            _bytes += bytes;
            // Over the threshold: evict the least recently used at once (never the one just stored).
            while (_bytes > MemoryThreshold && _oldest != node)
            {
                Evict(_oldest!);
            }
        }
        return true;
    }

    private void Evict(Kept node)
    {
        _entries.Remove(node.Id);
        Unlink(node);
        _bytes -= node.Bytes;
        if (node.InstanceNewer is { } newer)
        {
            newer.InstanceOlder = node.InstanceOlder;
        }
        else if (node.InstanceOlder is { } older)
        {
            _instances[node.Instance] = older;
        }
        else
        {
            _instances.Remove(node.Instance);
        }
        if (node.InstanceOlder is { } o)
        {
            o.InstanceNewer = node.InstanceNewer;
        }
        node.InstanceOlder = node.InstanceNewer = null;
    }

    private void Append(Kept node)
    {
        node.Older = _newest;
        node.Newer = null;
        if (_newest is not null)
        {
            _newest.Newer = node;
        }
        _newest = node;
        _oldest ??= node;
    }

    private void Unlink(Kept node)
    {
        if (node.Older is not null)
        {
            node.Older.Newer = node.Newer;
        }
        else
        {
            _oldest = node.Newer;
        }
        if (node.Newer is not null)
        {
            node.Newer.Older = node.Older;
        }
        else
        {
            _newest = node.Older;
        }
        node.Older = node.Newer = null;
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
            if (_entries.TryGetValue(id, out var node) && node.Instance == instance && node.Salt == salt)
            {
                if (touch && node != _newest)
                {
                    Unlink(node);
                    Append(node);
                }
                continuation = node.Continuation;
                return true;
            }
        }
        continuation = null;
        return false;
    }
}
