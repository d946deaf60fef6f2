using System.Diagnostics;
using System.Threading.Tasks.Sources;

namespace DevServe.Internal;

/// <summary>
/// Waits for dispatchers' answers within the response timeout with one timer per server, not one per request.
/// </summary>
/// <remarks>
/// <c>Task.WaitAsync(timeout)</c> made a timer, a promise and an async method per request (~330 B, a fifth of a servlet
/// hello's allocations). Here a request's wait is a <see cref="Waiter"/> its connection keeps and reuses, listed while it
/// waits. The list is in deadline order (one timeout for all), so the timer, armed only while something waits, looks at
/// its head a few times per timeout: a wait answers with <see cref="TimeoutException"/> between the timeout and an
/// eighth of it later (at least 10 ms, at most a second later). The timeout is not checked: zero times out at the first
/// look, and anything past ten thousand days never.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001:Types that own disposable fields should be disposable",
    Justification = "The timer is disarmed whenever nothing waits, and then holds nothing.")]
internal sealed class ResponseWaits
{
    private readonly object _gate = new();
    private readonly long _timeoutTicks;
    private readonly TimeSpan _interval;
    private readonly Timer _timer;
    private Waiter? _first;
    private Waiter? _last;
    private bool _armed;

    public ResponseWaits(TimeSpan timeout)
    {
        // Past ten thousand days is forever: a deadline must not overflow.
        _timeoutTicks = timeout > TimeSpan.FromDays(10_000) ? long.MaxValue / 2
            : Math.Max(0, (long)(timeout.TotalSeconds * Stopwatch.Frequency));
        _interval = TimeSpan.FromTicks(Math.Clamp(timeout.Ticks / 8, TimeSpan.TicksPerMillisecond * 10, TimeSpan.TicksPerSecond));
        using (ExecutionContext.SuppressFlow())   // the timer must not keep whatever context started the server
        {
            // Disarmed while nothing waits: then nothing roots this server through the timer queue.
            _timer = new Timer(static s => ((ResponseWaits)s!).Expire(), this, Timeout.Infinite, Timeout.Infinite);
        }
    }

    /// <summary>A new waiter, for a connection to keep while its waits end in answers.</summary>
    public Waiter NewWaiter() => new(this);

    private void Add(Waiter waiter)
    {
        lock (_gate)
        {
            if (waiter.Listed)
            {
                throw new InvalidOperationException("unreachable: a waiter waits once at a time");   // else the list would cycle
            }
            waiter.Deadline = Stopwatch.GetTimestamp() + _timeoutTicks;   // under the lock: the list stays in deadline order
            waiter.Previous = _last;
            waiter.Next = null;
            if (_last is null)
            {
                _first = waiter;
            }
            else
            {
                _last.Next = waiter;
            }
            _last = waiter;
            waiter.Listed = true;
            if (!_armed)
            {
                _armed = true;
                _timer.Change(_interval, _interval);
            }
        }
    }

    private void Remove(Waiter waiter)
    {
        lock (_gate)
        {
            Unlink(waiter);
        }
    }

    // Under _gate.
    private void Unlink(Waiter waiter)
    {
        if (!waiter.Listed)
        {
            return;   // taken off by Expire already
        }
        if (waiter.Previous is null)
        {
            _first = waiter.Next;
        }
        else
        {
            waiter.Previous.Next = waiter.Next;
        }
        if (waiter.Next is null)
        {
            _last = waiter.Previous;
        }
        else
        {
            waiter.Next.Previous = waiter.Previous;
        }
        waiter.Previous = waiter.Next = null;
        waiter.Listed = false;
    }

    private void Expire()
    {
        List<Waiter>? expired = null;
        var now = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            while (_first is { } head && head.Deadline <= now)
            {
                Unlink(head);
                // Claimed here, under the lock: once its answer has won instead, the waiter may be reset for the
                // connection's next request, which a timeout decided later would then fail.
                if (head.TryClaimTimeout())
                {
                    (expired ??= []).Add(head);
                }
            }
            if (_first is null && _armed)
            {
                _armed = false;
                _timer.Change(Timeout.Infinite, Timeout.Infinite);
            }
        }
        if (expired is null)
        {
            return;
        }
        foreach (var waiter in expired)
        {
            waiter.TimeOut();
        }
    }

    /// <summary>
    /// One request's wait at a time: its connection's. After a wait that timed out the waiter is not used again (the
    /// late answer may still arrive), so the connection takes a new one.
    /// </summary>
    public sealed class Waiter : IValueTaskSource<Response?>
    {
        private readonly ResponseWaits _owner;
        private readonly Action _answered;
        private ManualResetValueTaskSourceCore<Response?> _core;
        private ValueTask<Response?> _pending;
        private int _done;

        internal Waiter(ResponseWaits owner)
        {
            _owner = owner;
            _answered = Answered;
        }

        internal Waiter? Previous { get; set; }

        internal Waiter? Next { get; set; }

        internal bool Listed { get; set; }

        internal long Deadline { get; set; }

        /// <summary>Whether this waiter is done with: its last wait timed out (or its source refused a continuation).</summary>
        public bool Retired { get; private set; }

        /// <summary>Completes with <paramref name="pending"/>'s answer, or throws <see cref="TimeoutException"/> at the deadline.</summary>
        public ValueTask<Response?> WaitAsync(ValueTask<Response?> pending)
        {
            _core.Reset();
            _core.RunContinuationsAsynchronously = false;   // the answer goes out on the thread that made it, as an await would
            _done = 0;
            _pending = pending;
            _owner.Add(this);
            try
            {
                pending.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_answered);
            }
            catch
            {
                // A source that refuses a continuation (used twice?): the request fails, and this waiter is done with.
                _owner.Remove(this);
                _done = 1;
                _pending = default;
                Retired = true;
                throw;
            }
            return new ValueTask<Response?>(this, _core.Version);
        }

        private void Answered()
        {
            var pending = _pending;
            _pending = default;   // retired or not, the waiter keeps no answer (an idle connection keeps the waiter)
            if (Interlocked.Exchange(ref _done, 1) != 0)
            {
                // Timed out: nobody waits for this answer. Observed all the same (a source is given back, a fault seen).
                try
                {
                    pending.GetAwaiter().GetResult();
                }
#pragma warning disable CA1031 // a late failure has nobody to go to
                catch (Exception)
#pragma warning restore CA1031
                {
                }
                return;
            }
            _owner.Remove(this);
            Response? response = null;
            Exception? failure = null;
            try
            {
                response = pending.GetAwaiter().GetResult();
            }
#pragma warning disable CA1031 // the dispatcher's failure is the waiter's, rethrown where it is awaited
            catch (Exception e)
#pragma warning restore CA1031
            {
                failure = e;
            }
            // Outside the try: completing runs the request on, which may start this waiter's next wait.
            if (failure is null)
            {
                _core.SetResult(response);
            }
            else
            {
                _core.SetException(failure);
            }
        }

        internal bool TryClaimTimeout()
        {
            if (Interlocked.Exchange(ref _done, 1) != 0)
            {
                return false;   // answered first
            }
            Retired = true;
            return true;
        }

        // Only after TryClaimTimeout: nothing else completes this wait, and the waiter is never used again.
        internal void TimeOut()
        {
            _core.RunContinuationsAsynchronously = true;   // not on the timer's thread
            _core.SetException(new TimeoutException());
        }

        Response? IValueTaskSource<Response?>.GetResult(short token)
        {
            if (token != _core.Version || _core.GetStatus(token) == ValueTaskSourceStatus.Pending)
            {
                return _core.GetResult(token);   // a misuse: throws, and leaves the wait that is on alone
            }
            try
            {
                return _core.GetResult(token);
            }
            finally
            {
                _core.Reset();   // an idle connection keeps no answer alive (its body, a closure over servlet state)
            }
        }

        ValueTaskSourceStatus IValueTaskSource<Response?>.GetStatus(short token) => _core.GetStatus(token);

        void IValueTaskSource<Response?>.OnCompleted(Action<object?> continuation, object? state, short token,
            ValueTaskSourceOnCompletedFlags flags) => _core.OnCompleted(continuation, state, token, flags);
    }
}
