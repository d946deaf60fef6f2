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

    /// <summary>Suspensions servlet code made in the pieces running now: how code blocked on one is found (<see cref="SuspensionWatch"/>).</summary>
    public SuspensionWatch Suspensions { get; } = new(Math.Max(2, Environment.ProcessorCount));

    [ThreadStatic]
    private static ServletThreads? t_owner;


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
    public void Run(Func<Task> action) => Run(static action => action(), action);

    /// <summary><see cref="Run(Func{Task})"/> with the state <paramref name="action"/> needs: no closure on the pool path, per request.</summary>
    public void Run<TState>(Func<TState, Task> action, TState state)
    {
        if (TryTakePool())
        {
            ThreadPool.QueueUserWorkItem(static s => s.Threads.RunOnPool(s.Action, s.State), (Threads: this, Action: action, State: state), preferLocal: true);
            return;
        }
        RunOnOwnThread(action, state);
    }

    // Apart from Run: a lambda's captures are allocated where its scope begins, so in Run they would cost every request.
    private void RunOnOwnThread<TState>(Func<TState, Task> action, TState state)
        => _ = Task.Factory.StartNew(() => action(state), CancellationToken.None, TaskCreationOptions.DenyChildAttach | TaskCreationOptions.HideScheduler, this)
            .Unwrap();

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
    private void RunOnPool<TState>(Func<TState, Task> action, TState state)
    {
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(_context);
        var watch = Suspensions.BeginPiece(pooled: true);
        try
        {
            _ = action(state);
        }
#pragma warning disable CA1031 // as Task.Factory.StartNew would: an async void's rethrow must not end the process
        catch (Exception)
        {
        }
#pragma warning restore CA1031
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
            try
            {
                ResumableFrame.WorkEnded();
            }
            finally
            {
                // Whatever the bookkeeping above did: the slot and the budget always come back.
                SuspensionWatch.EndPiece(watch);
                Interlocked.Decrement(ref _onPool);
            }
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

    /// <summary>Starts threads for the waiting work when no thread has taken any for the starvation interval.</summary>
    private void Watch()
    {
        Suspensions.Scan();
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
        var watch = Suspensions.BeginPiece(pooled: false);   // a dedicated thread keeps its watch for its life
        SynchronizationContext.SetSynchronizationContext(_context);
        while (RunOne(watch))
        {
        }
        Suspensions.Retire(watch);
    }

    // Its own frame, never inlined: a thread waiting for work holds no reference to the last task (and so to a
    // suspended stateless flow nobody else keeps).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private bool RunOne(SuspensionWatch.Slot watch)
    {
        if (Next() is not { } task)
        {
            return false;
        }
        TryExecuteTask(task);
        ResumableFrame.WorkEnded();
        SuspensionWatch.EndPiece(watch, keep: true);
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
