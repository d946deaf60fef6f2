namespace DevServe.Internal;

/// <summary>A flow suspended in <c>SendSuspend</c>: resumed live once, replayed from its log after that.</summary>
internal sealed class SuspendedFlow(Flow flow, TaskCompletionSource<Request> resume, FlowLog? log, int site, long bytes,
    SuspendedChain? chain = null) : IEstimatedSize
{
    /// <summary>The suspended frames, when the servlet is resumable: every resumption copies them, nothing is replayed.</summary>
    public SuspendedChain? Chain { get; } = chain;

    private int _claimed;

    public Flow? Flow { get; private set; } = flow;
    public TaskCompletionSource<Request>? Resume { get; private set; } = resume;

    /// <summary>The log up to this suspension; <c>null</c> when the flow was past the replay bound.</summary>
    public FlowLog? Log { get; } = log;

    /// <summary>The call site of the suspension (its line): replay checks it is reached again.</summary>
    public int Site { get; } = site;

    public long EstimatedBytes { get; } = bytes;

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
internal sealed class EmbeddedHandler(Func<Request, Response> handler) : IEstimatedSize
{
    public Func<Request, Response> Handler { get; } = handler;

    // A closure retains ~300 B (docs/design/continuations.md §2) plus the manager's entry.
    public long EstimatedBytes => 512;
}
