namespace DevServe.Internal;

/// <summary>
/// The threads servlet code runs on: dedicated threads, apart from the thread pool that serves every connection's
/// I/O, so a servlet that blocks its thread (<c>Thread.Sleep</c>, synchronous I/O, <c>.Result</c>) stalls only its
/// own request. That request still gets its 503 at the response timeout, since the server awaits the servlet rather
/// than running it.
/// </summary>
/// <remarks>
/// A thread is started whenever work is queued and no thread is idle, up to <see cref="MaxThreads"/>; past that, work
/// waits its turn (and its request times out). Idle threads end after half a minute. Servlet code sees a
/// synchronization context that posts back to these threads, so its awaits come back here (to any of the threads:
/// blocking on a task does not deadlock), while <c>Task.Run</c>, <c>Task.Factory.StartNew</c> and <c>Parallel</c>
/// inside it use the thread pool as usual (the scheduler is hidden from them). The thread pool adds threads
/// to replace blocked ones only about twice a second, which is why 40 blocked servlets on it stalled every other
/// request for half a minute. No maintained library offers a growing dedicated-thread scheduler, so this is the
/// smallest one that works.
/// </remarks>
internal sealed class ServletThreads : TaskScheduler
{
    /// <summary>The scheduler every servlet runs on.</summary>
    public static readonly ServletThreads Shared = new(maxThreads: 512, idleTimeout: TimeSpan.FromSeconds(30));

    [ThreadStatic]
    private static ServletThreads? t_owner;

    private readonly object _gate = new();
    private readonly Queue<Task> _queue = new();
    private readonly TimeSpan _idleTimeout;
    private int _threads;
    private int _idle;

    private readonly PostingContext _context;

    public ServletThreads(int maxThreads, TimeSpan idleTimeout)
    {
        MaxThreads = maxThreads;
        _idleTimeout = idleTimeout;
        _context = new PostingContext(this);
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

    /// <summary>Runs <paramref name="action"/> on a servlet thread; the task completes when the action's task does.</summary>
    public Task Run(Func<Task> action)
        => Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.DenyChildAttach | TaskCreationOptions.HideScheduler, this)
            .Unwrap();

    protected override void QueueTask(Task task)
    {
        lock (_gate)
        {
            _queue.Enqueue(task);
            // Idle threads already woken but not yet running still count as idle: start one only for work nobody will take.
            if (_queue.Count > _idle && _threads < MaxThreads && StartThread())
            {
                return;
            }
            Monitor.Pulse(_gate);
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
        return true;
    }

    /// <summary>The next task, or <c>null</c> when none came within the idle timeout (the thread then ends).</summary>
    private Task? Next()
    {
        lock (_gate)
        {
            while (_queue.Count == 0)
            {
                _idle++;
                var woken = Monitor.Wait(_gate, _idleTimeout);
                _idle--;
                if (!woken && _queue.Count == 0)
                {
                    _threads--;
                    return null;
                }
            }
            return _queue.Dequeue();
        }
    }

    /// <summary>Where an await inside servlet code comes back to: any of these threads.</summary>
    private sealed class PostingContext(ServletThreads threads) : SynchronizationContext
    {
        public override void Post(SendOrPostCallback d, object? state)
            => Task.Factory.StartNew(s => d(s), state, CancellationToken.None,
                TaskCreationOptions.DenyChildAttach | TaskCreationOptions.HideScheduler, threads);

        public override SynchronizationContext CreateCopy() => this;
    }
}
