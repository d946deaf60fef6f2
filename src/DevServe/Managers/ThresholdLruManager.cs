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
/// cost for the suspended flow (its frames or live state machine, log node and manager slot: 338 B measured for a
/// resumable flow kept without a log, 515 B for one with its log, ~1,000 B for a live one, charged as 448 B, 672 B and
/// 1,536 B to leave the GC its headroom) plus the bytes of the request it was fed last, which its log or its locals
/// hold (URL, body, and the headers it does not share with the request before it). The sum is exact bookkeeping, so
/// eviction is immediate and deterministic, and when an entry goes nothing else holds its flow (but for a later flow
/// that would replay from its frames: they stay while that flow's continuations do), so the estimate is what is
/// freed. What a servlet's own locals capture
/// (a big list kept across a suspension) is not seen; process-wide measures cannot attribute memory to
/// continuations either (Racket's cannot tell them from the server itself), so this one is sound for what the
/// manager controls and the threshold should leave room for what servlets hold.</para>
/// </remarks>
public sealed class ThresholdLruManager : IManager
{
    /// <summary>Racket's <c>dispatch/servlet</c> default: 64 MiB.</summary>
    public const long DefaultThreshold = 64L * 1024 * 1024;

    private const int None = -1;

    private readonly object _lock = new();
    // Ids are unique across instances. Each continuation is one slot of an array of structs, linked by index: kept
    // continuations live for seconds, so every object the manager allocated per continuation was copied twice by the
    // collector before it died; a slot is never copied (the array is on the large object heap), only scanned where a
    // young continuation was stored in it (BENCHMARKS.md, 2026-12-03). The array does not shrink: ~64 B per slot at
    // the most continuations ever kept at once (~10 MB at the default threshold).
    private readonly Dictionary<long, int> _entries = [];
    private readonly Dictionary<int, int> _instances = [];   // instance → the slot of its most recent continuation
    private Slot[] _slots = new Slot[16];
    private int _used;             // slots ever handed out; those below it not in use are on the free list
    private int _free = None;      // the free list, linked by Newer
    private int _oldest = None;
    private int _newest = None;
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

    private struct Slot
    {
        public object? Continuation;
        public long Id;
        public long Bytes;
        public long Stored;
        public ulong Salt;
        public int Instance;
        public int Older, Newer;                   // the LRU list
        public int InstanceOlder, InstanceNewer;   // the instance's continuations
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
            for (var at = _newest; at != None && list.Count < limit; at = _slots[at].Older)
            {
                ref var slot = ref _slots[at];
                list.Add(new ContinuationInfo(slot.Instance, slot.Id, System.Diagnostics.Stopwatch.GetElapsedTime(slot.Stored), slot.Bytes));
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
            if (_instances.Remove(instance, out var at))
            {
                while (at != None)
                {
                    var older = _slots[at].InstanceOlder;
                    _entries.Remove(_slots[at].Id);
                    Unlink(at);
                    Release(at);
                    at = older;
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
            var at = Take();
            ref var slot = ref _slots[at];
            slot = new Slot
            {
                Continuation = continuation, Id = id, Bytes = bytes, Stored = System.Diagnostics.Stopwatch.GetTimestamp(), Salt = salt,
                Instance = instance, Older = None, Newer = None, InstanceOlder = None, InstanceNewer = None,
            };
            _entries.Add(id, at);
            if (_instances.TryGetValue(instance, out var newestOfInstance))
            {
                _slots[newestOfInstance].InstanceNewer = at;
                slot.InstanceOlder = newestOfInstance;
            }
            _instances[instance] = at;
            Append(at);
            _bytes += bytes;
            // Over the threshold: evict the least recently used at once (never the one just stored).
            while (_bytes > MemoryThreshold && _oldest != at)
            {
                Evict(_oldest);
            }
        }
        return true;
    }

    // A free slot, growing the array when none is.
    private int Take()
    {
        if (_free != None)
        {
            var at = _free;
            _free = _slots[at].Newer;
            return at;
        }
        if (_used == _slots.Length)
        {
            Array.Resize(ref _slots, _slots.Length * 2);
        }
        return _used++;
    }

    // The slot's continuation is let go at once (nothing kept holds it) and the slot goes on the free list.
    private void Release(int at)
    {
        _bytes -= _slots[at].Bytes;
        _slots[at] = new Slot { Newer = _free };
        _free = at;
    }

    private void Evict(int at)
    {
        ref var slot = ref _slots[at];
        _entries.Remove(slot.Id);
        Unlink(at);
        if (slot.InstanceNewer != None)
        {
            _slots[slot.InstanceNewer].InstanceOlder = slot.InstanceOlder;
        }
        else if (slot.InstanceOlder != None)
        {
            _instances[slot.Instance] = slot.InstanceOlder;
        }
        else
        {
            _instances.Remove(slot.Instance);
        }
        if (slot.InstanceOlder != None)
        {
            _slots[slot.InstanceOlder].InstanceNewer = slot.InstanceNewer;
        }
        Release(at);
    }

    private void Append(int at)
    {
        ref var slot = ref _slots[at];
        slot.Older = _newest;
        slot.Newer = None;
        if (_newest != None)
        {
            _slots[_newest].Newer = at;
        }
        _newest = at;
        if (_oldest == None)
        {
            _oldest = at;
        }
    }

    private void Unlink(int at)
    {
        ref var slot = ref _slots[at];
        if (slot.Older != None)
        {
            _slots[slot.Older].Newer = slot.Newer;
        }
        else
        {
            _oldest = slot.Newer;
        }
        if (slot.Newer != None)
        {
            _slots[slot.Newer].Older = slot.Older;
        }
        else
        {
            _newest = slot.Older;
        }
        slot.Older = slot.Newer = None;
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
            if (_entries.TryGetValue(id, out var at) && _slots[at].Instance == instance && _slots[at].Salt == salt)
            {
                if (touch && at != _newest)
                {
                    Unlink(at);
                    Append(at);
                }
                continuation = _slots[at].Continuation!;
                return true;
            }
        }
        continuation = null;
        return false;
    }
}
