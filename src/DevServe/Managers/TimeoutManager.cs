using System.Diagnostics.CodeAnalysis;
using DevServe.Internal;

namespace DevServe;

/// <summary>Expires instances and continuations after fixed times, each use adding time (Racket's timeout manager).</summary>
/// <remarks>
/// Racket: <c>create-timeout-manager</c> in managers/timeouts.rkt: an instance lives <c>instanceTimeout</c>, each
/// lookup adding as much again; each continuation lives <c>continuationTimeout</c>, each lookup adding as much again;
/// <see cref="AdjustTimeout"/> resets the instance's time. Expired entries are swept when looked up and by a timer.
/// </remarks>
public sealed class TimeoutManager : IManager, IDisposable
{
    private readonly object _lock = new();
    private readonly Dictionary<int, Instance> _instances = [];
    private readonly TimeProvider _time;
    private readonly ITimer _sweeper;
    private int _nextInstance;
    private long _nextId;

    /// <summary>Creates a timeout manager.</summary>
    /// <param name="expirationHandler">The expired page; <c>null</c> = <see cref="ExpiredPage.Default"/>.</param>
    /// <param name="instanceTimeout">How long an instance lives (Racket's <c>instance-timeout</c>).</param>
    /// <param name="continuationTimeout">How long a continuation lives (Racket's <c>continuation-timeout</c>).</param>
    /// <param name="timeProvider">The clock; tests pass a fake one.</param>
    public TimeoutManager(Func<Request, Response>? expirationHandler, TimeSpan instanceTimeout, TimeSpan continuationTimeout,
        TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(instanceTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(continuationTimeout, TimeSpan.Zero);
        ExpirationHandler = expirationHandler ?? ExpiredPage.Default;
        InstanceTimeout = instanceTimeout;
        ContinuationTimeout = continuationTimeout;
        _time = timeProvider ?? TimeProvider.System;
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, Math.Min(instanceTimeout.Ticks, continuationTimeout.Ticks) / 2));
        using (ExecutionContext.SuppressFlow())   // the timer must not keep whichever flow created the manager alive
        {
            _sweeper = _time.CreateTimer(_ => Sweep(), null, period, period);
        }
    }

    private sealed class Instance(DateTimeOffset deadline, Action? expire)
    {
        public DateTimeOffset Deadline = deadline;
        public readonly Action? Expire = expire;
        public readonly Dictionary<long, Continuation> Continuations = [];
    }

    private sealed class Continuation(ulong salt, object value, DateTimeOffset deadline)
    {
        public readonly ulong Salt = salt;
        public readonly object Value = value;
        public DateTimeOffset Deadline = deadline;
    }

    /// <inheritdoc/>
    public Func<Request, Response> ExpirationHandler { get; }

    /// <summary>How long an instance lives after creation, and what each use adds.</summary>
    public TimeSpan InstanceTimeout { get; }

    /// <summary>How long a continuation lives after it is stored, and what each use adds.</summary>
    public TimeSpan ContinuationTimeout { get; }

    /// <inheritdoc/>
    public int CreateInstance(Action? expire = null)
    {
        lock (_lock)
        {
            var id = ++_nextInstance;
            _instances[id] = new Instance(_time.GetUtcNow() + InstanceTimeout, expire);
            return id;
        }
    }

    /// <inheritdoc/>
    public void AdjustTimeout(int instance, TimeSpan timeout)
    {
        lock (_lock)
        {
            if (_instances.TryGetValue(instance, out var i))
            {
                i.Deadline = _time.GetUtcNow() + timeout;
            }
        }
    }

    /// <inheritdoc/>
    public void ClearContinuations(int instance)
    {
        lock (_lock)
        {
            if (_instances.TryGetValue(instance, out var i))
            {
                i.Continuations.Clear();
            }
        }
    }

    /// <inheritdoc/>
    public bool TryStore(int instance, object continuation, out long id, out ulong salt)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        salt = Salt.Next();
        lock (_lock)
        {
            id = ++_nextId;
            if (!_instances.TryGetValue(instance, out var i) || i.Deadline <= _time.GetUtcNow())
            {
                return false;
            }
            i.Continuations[id] = new Continuation(salt, continuation, _time.GetUtcNow() + ContinuationTimeout);
            return true;
        }
    }

    /// <inheritdoc/>
    public bool TryLookup(int instance, long id, ulong salt, [MaybeNullWhen(false)] out object continuation)
        => Find(instance, id, salt, touch: true, out continuation);

    /// <inheritdoc/>
    public bool TryPeek(int instance, long id, ulong salt, [MaybeNullWhen(false)] out object continuation)
        => Find(instance, id, salt, touch: false, out continuation);

    private bool Find(int instance, long id, ulong salt, bool touch, [MaybeNullWhen(false)] out object continuation)
    {
        continuation = null;
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (!_instances.TryGetValue(instance, out var i) || i.Deadline <= now
                || !i.Continuations.TryGetValue(id, out var k) || k.Deadline <= now || k.Salt != salt)
            {
                return false;
            }
            if (touch)
            {
                i.Deadline += InstanceTimeout;   // Racket increments rather than resets
                k.Deadline += ContinuationTimeout;
            }
            continuation = k.Value;
            return true;
        }
    }

    /// <summary>Removes what has expired by now and runs the expired instances' callbacks.</summary>
    public void Sweep()
    {
        var now = _time.GetUtcNow();
        List<Action>? expired = null;
        lock (_lock)
        {
            foreach (var (id, instance) in _instances.ToArray())
            {
                if (instance.Deadline <= now)
                {
                    _instances.Remove(id);
                    if (instance.Expire is not null)
                    {
                        (expired ??= []).Add(instance.Expire);
                    }
                    continue;
                }
                foreach (var (kid, k) in instance.Continuations.ToArray())
                {
                    if (k.Deadline <= now)
                    {
                        instance.Continuations.Remove(kid);
                    }
                }
            }
        }
        expired?.ForEach(e => e());   // outside the lock: a callback may call back into the manager
    }

    /// <summary>Stops the sweeping timer.</summary>
    public void Dispose() => _sweeper.Dispose();
}
