namespace DevServe.Internal;

/// <summary>
/// A flow suspended in <c>SendSuspend</c>: resumed by copying its frames (<see cref="Chain"/>, sealed), or else live
/// once and by replay from its log after that.
/// </summary>
internal sealed class SuspendedFlow(Flow flow, TaskCompletionSource<Request> resume, FlowLog? log, int site, long bytes,
    SuspendedChain? chain = null, bool keepsLog = true) : IEstimatedSize
{
    /// <summary>The suspended frames, when the servlet is resumable: every resumption copies them, nothing is replayed.</summary>
    public SuspendedChain? Chain { get; } = chain;

    private int _claimed;

    public Flow? Flow { get; private set; } = flow;
    public TaskCompletionSource<Request>? Resume { get; private set; } = resume;

    /// <summary>
    /// The log up to this suspension; <c>null</c> when the flow was past the replay bound, or once its frames are
    /// sealed when its servlet does not keep whole logs (a copy's log then begins at the copy: nothing earlier replays).
    /// </summary>
    public FlowLog? Log { get; private set; } = log;

    /// <summary>The call site of the suspension (its line): replay checks it is reached again.</summary>
    public int Site { get; } = site;

    public long EstimatedBytes { get; } = bytes;

    /// <summary>Whether its log is kept once its frames are sealed (the servlet keeps whole logs, for fix-and-retry).</summary>
    public bool KeepsLog => keepsLog;

    private volatile string? _blocked;

    /// <summary>Set when the servlet blocked its thread on this suspension's task: resuming it shows why, nothing runs.</summary>
    public string? Blocked { get => _blocked; set => _blocked = value; }

    private volatile bool _running = true;


    /// <summary>
    /// Whether the code that suspended may still be running on its thread (it has not yielded yet). False once the
    /// piece of work it ran in ended (<c>ServletThreads</c>), or at once off a servlet thread, where it is not watched.
    /// </summary>
    public bool StillRunning => _running;

    /// <summary>The code that suspended has yielded its thread.</summary>
    public void Yielded() => _running = false;

    /// <summary>Waits (on a servlet thread, never the server's) up to <paramref name="limit"/> for the suspending code to yield.</summary>
    public bool WaitYielded(TimeSpan limit)
    {
        var spin = new SpinWait();
        var deadline = Environment.TickCount64 + (long)limit.TotalMilliseconds;
        while (_running && _blocked is null && Environment.TickCount64 < deadline)
        {
            spin.SpinOnce(sleep1Threshold: 30);
        }
        return !_running;
    }

    /// <summary>
    /// The chain was sealed (every resumption copies it: the live flow is let go, and the log is dropped, or its last
    /// request kept compact when whole logs are kept) or broken (the live flow goes on, and compacts it when it moves on).
    /// </summary>
    public void ChainResolved(bool isSealed)
    {
        if (isSealed)
        {
            TryClaim(out _, out _);
            if (keepsLog)
            {
                Log = Log?.WithoutFrames();
                Log?.CompactLastRequest();
            }
            else
            {
                // Most of what a kept continuation held (the log node, the request and its headers): the collector
                // copies each kept one twice before it dies, and that, not the code, bounds a round trip (BENCHMARKS.md).
                Log = null;
            }
        }
    }

    /// <summary>Claims the live resumption: true for exactly one caller, who then owns the flow; the entry keeps only its log.</summary>
    public bool TryClaim(out Flow flow, out TaskCompletionSource<Request> resume)
    {
        if (Interlocked.Exchange(ref _claimed, 1) == 0)
        {
            flow = Flow!;
            resume = Resume!;
            Flow = null;
            Resume = null;
            return true;
        }
        flow = null!;
        resume = null!;
        return false;
    }
}

/// <summary>A handler embedded in a page by <c>SendSuspendDispatch</c>: runs afresh on every use.</summary>
internal sealed class EmbeddedHandler(Func<Request, Task<Response>> handler, FlowLog? embeddedBy = null, int index = 0) : IEstimatedSize
{
    public Func<Request, Task<Response>> Handler { get; } = handler;

    /// <summary>The log of the flow that embedded it (shared, not copied): where fix-and-retry starts from.</summary>
    public FlowLog? EmbeddedBy { get; } = embeddedBy;

    /// <summary>Its place among the handlers its page embedded.</summary>
    public int Index { get; } = index;

    // A closure retains ~300 B (docs/design/continuations.md §2) plus the manager's entry.
    public long EstimatedBytes => 512;
}
