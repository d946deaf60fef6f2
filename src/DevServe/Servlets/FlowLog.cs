namespace DevServe.Internal;

/// <summary>
/// What fed a flow so far, as a persistent list: the entry point and its first request, then each request fed to a
/// suspension (with the suspension's call site) and each remembered value. A continuation keeps its log as one
/// pointer; continuations of one flow share the tail.
/// </summary>
internal sealed class FlowLog
{
    /// <summary>Replay logs are bounded: a flow looping through more suspensions stops logging (its old pages can no longer replay).</summary>
    public const int MaxDepth = 1000;

    private FlowLog(FlowLog? previous, FlowLogKind kind, Request? request, object? value, int site)
    {
        Previous = previous;
        Kind = kind;
        Request = request;
        Value = value;
        Site = site;
        Depth = previous is null ? 0 : previous.Depth + 1;
        Chain = previous?.Chain ?? 0;
    }

    public FlowLog? Previous { get; }
    public FlowLogKind Kind { get; }
    public Request? Request { get; }
    public object? Value { get; }
    public int Site { get; }
    public int Depth { get; }

    /// <summary>The entry point of a flow (<c>Start</c> or an embedded handler) and the request it began with.</summary>
    public static FlowLog Root(Request request, Func<Request, Task<Response>> entry) => new(null, FlowLogKind.Root, request, entry, 0);

    /// <summary>
    /// The root of an embedded handler's flow: also the log of the flow that embedded it, and the handler's place
    /// among those its page embedded (in <see cref="Site"/>), so fix-and-retry can find the handler again in new code.
    /// </summary>
    /// <remarks>The chain of flows it keeps is bounded by <see cref="MaxDepth"/> nodes in all: past it, no embedding flow is kept.</remarks>
    public static FlowLog Root(Request request, Func<Request, Task<Response>> entry, FlowLog? embeddedBy, int index)
    {
        var chain = embeddedBy is null ? 0 : embeddedBy.Chain + embeddedBy.Depth + 1;
        return new(null, FlowLogKind.Root, request, entry, index)
        {
            IsHandlerRoot = true, EmbeddedBy = chain <= MaxDepth ? embeddedBy : null, Chain = chain <= MaxDepth ? chain : 0,
        };
    }

    /// <summary>
    /// The root of a flow that copies a sealed continuation's frames (<paramref name="frames"/>), resumed with
    /// <paramref name="request"/> at <paramref name="site"/>: replaying this log copies the frames again instead of
    /// running the entry from the top, so nothing before that suspension runs again and a kept continuation needs no
    /// log of its own. <paramref name="history"/>: the log of the suspension copied, where whole conversations are kept
    /// (fix-and-retry), within the same bound as a handler's embedding flows.
    /// </summary>
    public static FlowLog Resumed(SuspendedChain frames, Request request, int site, FlowLog? history = null)
    {
        var chain = history is null ? 0 : history.Chain + history.Depth + 1;
        return new(null, FlowLogKind.Resumed, request, frames, site)
        {
            History = chain <= MaxDepth ? history : null, Chain = chain <= MaxDepth ? chain : 0,
        };
    }

    /// <summary>For a <see cref="FlowLogKind.Resumed"/> root: the log of the suspension its flow copied, when kept.</summary>
    public FlowLog? History { get; private init; }

    /// <summary>
    /// This log as a sealed continuation keeps it for fix-and-retry: the same nodes, but a <see cref="FlowLogKind.Resumed"/>
    /// root without its frames. Those are for replays of the flow that copied them, which a sealed continuation never
    /// needs; kept, every template would keep the one it was copied from, through its log, back to the first page.
    /// </summary>
    public FlowLog WithoutFrames()
    {
        var nodes = ToArray();
        if (nodes[0] is not { Kind: FlowLogKind.Resumed, Value: not null } root)
        {
            return this;
        }
        var copy = new FlowLog(null, FlowLogKind.Resumed, root.Request, null, root.Site) { History = root.History, Chain = root.Chain };
        for (var i = 1; i < nodes.Length; i++)
        {
            copy = new FlowLog(copy, nodes[i].Kind, nodes[i].Request, nodes[i].Value, nodes[i].Site);
        }
        return copy;
    }

    /// <summary>A <see cref="FlowLogKind.Resumed"/> root as the step it stands for: its request fed to the suspension at its site.</summary>
    public FlowLog AsStep() => new(null, FlowLogKind.Step, Request, null, Site);

    /// <summary>For a <see cref="FlowLogKind.Resumed"/> root: the frames its flow copies.</summary>
    public SuspendedChain? Frames => Value as SuspendedChain;

    /// <summary>Whether this is the root of an embedded handler's flow (not of <c>Start</c>'s).</summary>
    public bool IsHandlerRoot { get; private init; }

    /// <summary>For the root of an embedded handler's flow: the log of the flow that embedded it, when kept.</summary>
    public FlowLog? EmbeddedBy { get; private init; }

    /// <summary>How many nodes the flows before this one hold (embedding flows, copied suspensions): what bounds their chain.</summary>
    private int Chain { get; init; }

    /// <summary>
    /// A request fed to the suspension at <paramref name="site"/>; <c>null</c> once the log is past its bound. The
    /// request shares the headers it has in common with the last request logged before it.
    /// </summary>
    public static FlowLog? Step(FlowLog? previous, Request request, int site)
    {
        if (previous is null || previous.Depth >= MaxDepth)
        {
            return null;
        }
        for (var node = previous; node is not null; node = node.Previous)
        {
            if (node.Request is { } earlier)
            {
                if (!ReferenceEquals(earlier, request))
                {
                    request.ShareHeadersWith(earlier);
                }
                break;
            }
        }
        return new(previous, FlowLogKind.Step, request, null, site);
    }

    /// <summary>A remembered value; <c>null</c> once the log is past its bound.</summary>
    public static FlowLog? Memo(FlowLog? previous, object? value)
        => previous is null || previous.Depth >= MaxDepth ? null : new(previous, FlowLogKind.Memo, null, value, 0);

    /// <summary>
    /// The log is about to be kept by a continuation: the last request in it, which its flow no longer needs whole, is
    /// made smaller (<see cref="Request.Compact"/>). It replays the same.
    /// </summary>
    public void CompactLastRequest()
    {
        for (var node = this; node is not null; node = node.Previous)
        {
            if (node.Request is { } request)
            {
                request.Compact();
                return;
            }
        }
    }

    /// <summary>The nodes from the root to this one, in order.</summary>
    public FlowLog[] ToArray()
    {
        var nodes = new FlowLog[Depth + 1];
        for (var node = this; node is not null; node = node.Previous)
        {
            nodes[node.Depth] = node;
        }
        return nodes;
    }

    /// <summary>The entry point a <see cref="FlowLogKind.Root"/> began with; <c>null</c> for a <see cref="FlowLogKind.Resumed"/> root.</summary>
    public Func<Request, Task<Response>>? Entry => Value as Func<Request, Task<Response>>;
}

internal enum FlowLogKind
{
    Root,
    Step,
    Memo,
    /// <summary>A root that resumes a sealed continuation's frames (<see cref="FlowLog.Resumed"/>).</summary>
    Resumed,
}
