using System.Diagnostics;

namespace DevServe.Internal;

/// <summary>
/// Finds servlet code that blocks its thread on its own suspension (<c>RedirectGet().Result</c>): that task finishes
/// only when the user follows the link, so the thread would wait for a person, perhaps forever.
/// </summary>
/// <remarks>
/// <para>
/// Each piece of servlet code runs with a slot (<see cref="BeginPiece"/>; a pool thread takes one of a fixed few for
/// the piece, a dedicated thread keeps its own). A suspension made in the piece is noted in the slot
/// (<see cref="Note"/>) and cleared when the piece ends: the code yielded, as awaiting code does within
/// microseconds. The watchdog (<see cref="Scan"/>, every 25 ms) takes a suspension as blocked on when its piece has
/// not ended <see cref="BlockedAfter"/> after it, and its thread has been seen waiting (a lock, a sleep,
/// <c>.Result</c>) at three scans in a row: slow code (a loaded machine, a collection) is left alone. A blocked
/// suspension's task fails with <see cref="BlockedMessage"/>, which frees the thread, and its page answers the next
/// request with that message.
/// </para>
/// <para>
/// The limit: code that, after suspending and before awaiting the suspension, waits on its thread for longer than
/// that (a synchronous <c>.Result</c> of something else) is taken as blocked too.
/// </para>
/// </remarks>
internal sealed class SuspensionWatch(int poolSlots)
{
    /// <summary>How long a piece may go on after suspending before it can count as blocked.</summary>
    public static readonly TimeSpan BlockedAfter = TimeSpan.FromMilliseconds(500);

    /// <summary>What servlet code that blocked on its own suspension is told.</summary>
    public const string BlockedMessage = "The servlet blocked its thread waiting for a SendSuspend, SendForward or RedirectGet task "
        + "(.Result, .Wait() or .GetAwaiter().GetResult()). That task finishes only when the next request comes, so the "
        + "thread would wait for the user: await it instead (var request = await RedirectGet();). In an embedded handler, "
        + "make the handler a named async method and pass it by name: "
        + "async Task<Response> Add(Request r) { ...; await RedirectGet(); return ...; } ... embed(Add).";

    [ThreadStatic]
    private static Slot? t_current;

    private readonly Slot[] _pool = [.. Enumerable.Range(0, poolSlots).Select(_ => new Slot())];
    private readonly List<Slot> _dedicated = [];

    /// <summary>Starts a piece of servlet code on this thread; <see cref="EndPiece"/> ends it.</summary>
    /// <param name="pooled">A pool thread (takes a free shared slot) or a dedicated one (a slot of its own, kept).</param>
    public Slot BeginPiece(bool pooled)
    {
        Slot slot;
        if (pooled)
        {
            // At most poolSlots pieces run on the pool at once (the scheduler's budget), so one is free.
            slot = Array.Find(_pool, s => Interlocked.CompareExchange(ref s.InUse, 1, 0) == 0) ?? new Slot { InUse = 1 };
        }
        else
        {
            slot = new Slot { InUse = 1 };
            lock (_dedicated)
            {
                _dedicated.Add(slot);
            }
        }
        slot.Thread = Thread.CurrentThread;
        t_current = slot;
        return slot;
    }

    /// <summary>Ends the piece: its code yielded, so its suspension is not blocked on.</summary>
    /// <param name="slot">The piece's slot.</param>
    /// <param name="keep">A dedicated thread's slot, kept for its next piece.</param>
    public static void EndPiece(Slot slot, bool keep = false)
    {
        if (Interlocked.Exchange(ref slot.Pending, null) is SuspendedFlow suspended)
        {
            suspended.Yielded();
        }
        if (!keep)
        {
            t_current = null;
            slot.Thread = null;
            Volatile.Write(ref slot.InUse, 0);
        }
    }

    /// <summary>A dedicated thread ends: its slot goes.</summary>
    public void Retire(Slot slot)
    {
        EndPiece(slot);
        lock (_dedicated)
        {
            _dedicated.Remove(slot);
        }
    }

    /// <summary>
    /// Notes that the servlet code running here just suspended on <paramref name="suspension"/> (a
    /// <see cref="SuspendedFlow"/>, or a stateless flow's <c>TaskCompletionSource&lt;Request&gt;</c>). Off a piece of
    /// servlet code (after <c>ConfigureAwait(false)</c>) nothing watches it.
    /// </summary>
    public static void Note(object suspension)
    {
        if (t_current is not { } slot)
        {
            (suspension as SuspendedFlow)?.Yielded();
            return;
        }
        slot.Since = Stopwatch.GetTimestamp();
        slot.WaitingScans = 0;
        // An earlier suspension of this piece is behind code that ran on: it was awaited, not blocked on.
        if (Interlocked.Exchange(ref slot.Pending, suspension) is SuspendedFlow earlier)
        {
            earlier.Yielded();
        }
    }

    /// <summary>The watchdog's pass: fails the suspensions blocked on (outside any lock: their continuations may run inline).</summary>
    public void Scan()
    {
        List<object>? blocked = null;
        foreach (var slot in _pool)
        {
            Check(slot, ref blocked);
        }
        lock (_dedicated)
        {
            foreach (var slot in _dedicated)
            {
                Check(slot, ref blocked);
            }
        }
        foreach (var pending in blocked ?? [])
        {
            Fail(pending);
        }
    }

    private static void Check(Slot slot, ref List<object>? blocked)
    {
        if (Volatile.Read(ref slot.Pending) is not { } pending || slot.Thread is not { } thread)
        {
            return;
        }
        slot.WaitingScans = (thread.ThreadState & System.Threading.ThreadState.WaitSleepJoin) != 0 ? slot.WaitingScans + 1 : 0;
        if (slot.WaitingScans >= 3 && Stopwatch.GetElapsedTime(slot.Since) > BlockedAfter
            && Interlocked.CompareExchange(ref slot.Pending, null, pending) == pending)
        {
            (blocked ??= []).Add(pending);
        }
    }

    private static void Fail(object pending)
    {
        var exception = new InvalidOperationException(BlockedMessage);
        if (pending is SuspendedFlow suspended)
        {
            suspended.Blocked = BlockedMessage;   // before the thread is freed: a resumption then sees it
            suspended.Yielded();
            if (suspended.TryClaim(out _, out var resume))
            {
                resume.TrySetException(exception);
            }
        }
        else if (pending is TaskCompletionSource<Request> never)
        {
            never.TrySetException(exception);
        }
    }

    /// <summary>A piece's note of the suspension its code made last.</summary>
    internal sealed class Slot
    {
        public int InUse;
        public Thread? Thread;
        public long Since;
        public int WaitingScans;
        public object? Pending;
    }
}
