namespace DevServe.Internal;

/// <summary>
/// Where servlet code runs: never on the stack of the request that started it, so a servlet that blocks its thread
/// (<c>Thread.Sleep</c>, synchronous I/O, <c>.Result</c>) stalls only its own request. That request still gets its 503
/// at the response timeout, since the server awaits the servlet rather than running it.
/// </summary>
/// <remarks>
/// <para>
/// Most pieces run on the thread pool, queued to the local queue of the thread that asked: that thread, once it has
/// returned to the pool, usually takes the piece itself, so a request pays no thread switch (a hand-over to another
/// thread on every request cost over half of the servlet throughput on two cores). At most a budget of pieces (as
/// many as cores) run on the pool at once, and the pool may start that many threads beyond its minimum without
/// delay: servlets stuck on the pool hold at most the budget, and the pool keeps its usual threads for I/O.
/// </para>
/// <para>
/// Past the budget, pieces go to dedicated servlet threads. As many threads as cores take the work while it flows;
/// when work has waited a starvation interval (50 ms) without any thread taking some, the threads are stuck in
/// blocking code, and as many new threads start as there is work waiting, up to <see cref="MaxThreads"/>; past that,
/// work waits its turn (and its request times out). Idle threads beyond the first ones end after half a minute. The
/// thread pool adds threads to replace blocked ones only about twice a second, which is why 40 blocked servlets on it
/// stalled every other request for half a minute, and why the pool's share is bounded.
/// </para>
/// <para>
/// Servlet code sees a synchronization context that posts back through <see cref="Run"/>, so its awaits come back to
/// this budget (on any thread: blocking on a task does not deadlock), while <c>Task.Run</c>,
/// <c>Task.Factory.StartNew</c> and <c>Parallel</c> inside it use the thread pool as usual (the scheduler is hidden
/// from them). No maintained library offers a growing dedicated-thread scheduler, so this is the smallest one that
/// works.
/// </para>
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001:Types that own disposable fields should be disposable",
    Justification = "The scheduler and its watchdog live as long as the process.")]
internal sealed class ServletThreads : TaskScheduler
{
    // Before Shared: static fields are initialized in order, and Shared's watchdog reads this.
    private static readonly TimeSpan s_starvation = TimeSpan.FromMilliseconds(50);

    /// <summary>The scheduler every servlet runs on.</summary>
    public static readonly ServletThreads Shared = new(maxThreads: 512, idleTimeout: TimeSpan.FromSeconds(30));

    [ThreadStatic]
    private static ServletThreads? t_owner;

    // This thread's note of a suspension its servlet code made in the piece of work running now (BlockWatch).
    [ThreadStatic]
    private static BlockWatch? t_watch;

    /// <summary>How long servlet code may go on without yielding after it suspended, before it counts as blocked on it.</summary>
    internal static readonly TimeSpan BlockedAfter = TimeSpan.FromMilliseconds(200);
    private readonly List<BlockWatch> _watches = [];

    private readonly object _gate = new();
    private readonly Queue<Task> _queue = new();
    private readonly TimeSpan _idleTimeout;
    private readonly int _flowingThreads = Math.Max(2, Environment.ProcessorCount);
    private readonly PostingContext _context;
    private readonly Timer _watchdog;
    private int _threads;
    private int _idle;
    private int _queued;   // _queue.Count, for the spin outside the lock
    private long _lastProgress = System.Diagnostics.Stopwatch.GetTimestamp();
    private readonly int _poolBudget = Math.Max(2, Environment.ProcessorCount);
    private int _onPool;

    public ServletThreads(int maxThreads, TimeSpan idleTimeout)
    {
        MaxThreads = maxThreads;
        _idleTimeout = idleTimeout;
        _context = new PostingContext(this);
        // Servlet code stuck on the pool holds at most _poolBudget of its threads: the pool may start that many more at once.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(workers + _poolBudget, io);
        // Lives as long as the scheduler (the process, for Shared); it looks for stuck threads twice per interval.
        _watchdog = new Timer(_ => Watch(), null, s_starvation / 2, s_starvation / 2);
    }

    /// <summary>The most threads at once: stuck servlets beyond this many delay the other servlets' requests (never files or other dispatchers).</summary>
    public int MaxThreads { get; }

    public override int MaximumConcurrencyLevel => MaxThreads;

    /// <summary>Threads alive now, and how many of them wait for work.</summary>
    public (int Threads, int Idle) Count
    {
        get
        {
            lock (_gate)
            {
                return (_threads, _idle);
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> off the caller's stack: on the thread pool while fewer than its budget of servlet
    /// pieces run there, else on a servlet thread. Exceptions it throws are dropped, as from a discarded task.
    /// </summary>
    public void Run(Func<Task> action)
    {
        if (TryTakePool())
        {
            ThreadPool.QueueUserWorkItem(static s => s.Threads.RunOnPool(s.Action), (Threads: this, Action: action), preferLocal: true);
            return;
        }
        _ = Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.DenyChildAttach | TaskCreationOptions.HideScheduler, this)
            .Unwrap();
    }

    private bool TryTakePool()
    {
        if (Interlocked.Increment(ref _onPool) <= _poolBudget)
        {
            return true;
        }
        Interlocked.Decrement(ref _onPool);
        return false;
    }

    // One piece of servlet code on a pool thread, with the servlet context (its awaits come back through Run) and the
    // same end-of-work bookkeeping as a servlet thread's.
    private void RunOnPool(Func<Task> action)
    {
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(_context);
        var watch = t_watch ??= NewWatch();
        try
        {
            _ = action();
        }
#pragma warning disable CA1031 // as Task.Factory.StartNew would: an async void's rethrow must not end the process
        catch (Exception)
        {
        }
#pragma warning restore CA1031
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
            ResumableFrame.WorkEnded();
            EndWork(watch);
            Interlocked.Decrement(ref _onPool);
        }
    }

    protected override void QueueTask(Task task)
    {
        lock (_gate)
        {
            _queue.Enqueue(task);
            _queued = _queue.Count;
            // Idle threads already woken but not yet running still count as idle: start one only for work nobody will
            // take, and beyond the flowing few only once the watchdog sees them stuck.
            if (_queue.Count > _idle && _threads < Math.Min(_flowingThreads, MaxThreads) && StartThread())
            {
                return;
            }
            Monitor.Pulse(_gate);
        }
    }

    /// <summary>
    /// Notes that servlet code on this thread just suspended on <paramref name="suspension"/> (a <see cref="SuspendedFlow"/>
    /// or the <c>TaskCompletionSource&lt;Request&gt;</c> of a stateless one). If the code does not yield within
    /// <see cref="BlockedAfter"/> it is blocked on the task (<c>.Result</c>, <c>.Wait()</c>): the watchdog fails the task,
    /// which frees the thread with an exception that says to await instead. Off servlet threads it does nothing.
    /// </summary>
    public static void NoteSuspension(object suspension)
    {
        if (t_watch is { } watch)
        {
            if (suspension is SuspendedFlow flow)
            {
                flow.SuspendingThread = watch.Thread;
            }
            watch.Since = System.Diagnostics.Stopwatch.GetTimestamp();
            Volatile.Write(ref watch.Pending, suspension);   // after Since: the watchdog reads them in the other order
        }
        else if (suspension is SuspendedFlow suspended)
        {
            suspended.Yielded();   // off a servlet thread (after ConfigureAwait(false)): nothing watches it
        }
    }

    // The piece of work on this thread ended: its servlet code yielded.
    private static void EndWork(BlockWatch watch)
    {
        if (Interlocked.Exchange(ref watch.Pending, null) is SuspendedFlow suspended)
        {
            suspended.Yielded();
            suspended.SuspendingThread = null;
        }
    }

    /// <summary>
    /// Treats the code that suspended as blocked on its task: a resumption found it still running after
    /// <see cref="BlockedAfter"/>. The watchdog does the same for suspensions nobody resumes.
    /// </summary>
    public void FailBlocked(SuspendedFlow suspended)
    {
        lock (_watches)
        {
            foreach (var watch in _watches)
            {
                if (Interlocked.CompareExchange(ref watch.Pending, null, suspended) == suspended)
                {
                    Fail(suspended);
                }
            }
        }
    }

    private static void Fail(object pending)
    {
        var blocked = new InvalidOperationException(BlockedMessage);
        if (pending is SuspendedFlow suspended)
        {
            suspended.Blocked = BlockedMessage;   // before the thread is freed: a resumption then sees it
            if (suspended.TryClaim(out _, out var resume))
            {
                resume.TrySetException(blocked);
            }
        }
        else if (pending is TaskCompletionSource<Request> never)
        {
            never.TrySetException(blocked);
        }
    }

    /// <summary>What a servlet that blocked on its own suspension is told.</summary>
    public const string BlockedMessage = "The servlet blocked its thread waiting for a SendSuspend, SendForward or RedirectGet task "
        + "(.Result, .Wait() or .GetAwaiter().GetResult()). That task finishes only when the next request comes, so the "
        + "thread would wait for the user: await it instead (var request = await RedirectGet();). In an embedded handler, "
        + "make the handler a named async method and pass it by name: "
        + "async Task<Response> Add(Request r) { ...; await RedirectGet(); return ...; } ... embed(Add).";

    private BlockWatch NewWatch()
    {
        var watch = new BlockWatch();
        lock (_watches)
        {
            _watches.Add(watch);   // one per thread that ever ran servlet code; a pool thread's stays when it ends (a few bytes)
        }
        return watch;
    }

    private void FailBlocked()
    {
        if (_watches.Count == 0)
        {
            return;
        }
        lock (_watches)
        {
            foreach (var watch in _watches)
            {
                // Only a thread that waits counts: one that is merely slow (preempted, a collection) is left alone.
                if (Volatile.Read(ref watch.Pending) is { } pending && System.Diagnostics.Stopwatch.GetElapsedTime(watch.Since) > BlockedAfter
                    && (watch.Thread.ThreadState & ThreadState.WaitSleepJoin) != 0
                    && Interlocked.CompareExchange(ref watch.Pending, null, pending) == pending)
                {
                    Fail(pending);
                }
            }
        }
    }

    /// <summary>A thread's note of the suspension its servlet code made last, cleared when the code yields.</summary>
    private sealed class BlockWatch
    {
        public readonly Thread Thread = Thread.CurrentThread;
        public long Since;
        public object? Pending;
    }

    /// <summary>Starts threads for the waiting work when no thread has taken any for the starvation interval.</summary>
    private void Watch()
    {
        FailBlocked();
        lock (_gate)
        {
            if (_queue.Count == 0 || _idle > 0
                || System.Diagnostics.Stopwatch.GetElapsedTime(_lastProgress) < s_starvation)
            {
                return;
            }
            for (var waiting = _queue.Count; waiting > 0 && _threads < MaxThreads && StartThread(); waiting--)
            {
            }
            _lastProgress = System.Diagnostics.Stopwatch.GetTimestamp();
        }
    }

    // Under _gate.
    private bool StartThread()
    {
        _threads++;
        try
        {
            // UnsafeStart: the thread must not inherit the ExecutionContext of whoever queued work (a flow's, which would
            // keep that flow and its script's load context alive for the thread's life).
            new Thread(Work) { IsBackground = true, Name = "DevServe servlet" }.UnsafeStart();
            return true;
        }
        catch (OutOfMemoryException)
        {
            _threads--;   // no thread to be had: the running ones take the work in turn
            return false;
        }
    }

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued)
        => t_owner == this && (!taskWasPreviouslyQueued || TryDequeue(task)) && TryExecuteTask(task);

    protected override bool TryDequeue(Task task)
    {
        lock (_gate)
        {
            var before = _queue.Count;
            var kept = _queue.Where(t => t != task).ToArray();
            if (kept.Length == before)
            {
                return false;
            }
            _queue.Clear();
            foreach (var t in kept)
            {
                _queue.Enqueue(t);
            }
            _queued = _queue.Count;
            return true;
        }
    }

    protected override IEnumerable<Task> GetScheduledTasks()
    {
        lock (_gate)
        {
            return [.. _queue];
        }
    }

    private void Work()
    {
        t_owner = this;
        t_watch = NewWatch();
        SynchronizationContext.SetSynchronizationContext(_context);
        while (RunOne())
        {
        }
    }

    // Its own frame, never inlined: a thread waiting for work holds no reference to the last task (and so to a
    // suspended stateless flow nobody else keeps).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private bool RunOne()
    {
        if (Next() is not { } task)
        {
            return false;
        }
        TryExecuteTask(task);
        ResumableFrame.WorkEnded();
        EndWork(t_watch!);
        return true;
    }

    /// <summary>The next task, or <c>null</c> when none came within the idle timeout (the thread then ends).</summary>
    private Task? Next()
    {
        // A short spin before sleeping: under load the next request is usually a few microseconds away, and waking a
        // sleeping thread costs more than that.
        var spinner = default(SpinWait);
        while (Volatile.Read(ref _queued) == 0 && !spinner.NextSpinWillYield)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
        lock (_gate)
        {
            while (_queue.Count == 0)
            {
                _idle++;
                var woken = Monitor.Wait(_gate, _idleTimeout);
                _idle--;
                if (!woken && _queue.Count == 0 && _threads > _flowingThreads)
                {
                    _threads--;
                    return null;
                }
            }
            _lastProgress = System.Diagnostics.Stopwatch.GetTimestamp();
            _queued = _queue.Count - 1;
            return _queue.Dequeue();
        }
    }

    /// <summary>Where an await inside servlet code comes back to: any of these threads.</summary>
    private sealed class PostingContext(ServletThreads threads) : SynchronizationContext
    {
        public override void Post(SendOrPostCallback d, object? state)
            => threads.Run(() =>
            {
                d(state);
                return Task.CompletedTask;
            });

        public override SynchronizationContext CreateCopy() => this;
    }
}
