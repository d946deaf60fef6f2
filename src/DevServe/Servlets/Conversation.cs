using DevServe.Internal;

namespace DevServe;

/// <summary>
/// The requests a stateful conversation was fed up to the one it failed on: its first request, each request fed to a
/// suspension, and for each embedded handler's link followed, which link of its page it was and what its flow was
/// fed. Fix-and-retry keeps it and runs it again on the servlet's new code (<see cref="Retry"/>); replay, after all,
/// is exactly what that needs.
/// </summary>
/// <remarks>
/// Only requests (and links' places) are kept, never the old code's delegates or remembered values: a kept
/// conversation must not keep the old version's code loaded. A retry computes remembered values anew.
/// </remarks>
public sealed class Conversation
{
    private readonly Segment[] _segments;

    /// <summary>One flow of the conversation: <c>Start</c>'s (<see cref="Handler"/> −1) or an embedded handler's (its place on the page).</summary>
    /// <param name="Handler">Which of its page's embedded handlers began it; −1 for <c>Start</c>.</param>
    /// <param name="Requests">Its first request, then each request fed to one of its suspensions.</param>
    /// <param name="Sites">The suspensions' lines, one per request after the first (the old code's: a retry feeds by order).</param>
    internal sealed record Segment(int Handler, Request[] Requests, int[] Sites)
    {
        /// <summary>The flow log this segment begins with at <paramref name="entry"/>, and the requests to feed it after its first.</summary>
        public (FlowLog Root, Queue<FlowLog>? Replay) Feed(Func<Request, Task<Response>> entry, FlowLog? embeddedBy)
        {
            var root = Handler < 0 ? FlowLog.Root(Requests[0], entry) : FlowLog.Root(Requests[0], entry, embeddedBy, Handler);
            if (Requests.Length == 1)
            {
                return (root, null);
            }
            var replay = new Queue<FlowLog>(Requests.Length - 1);
            var previous = root;
            for (var i = 1; i < Requests.Length; i++)
            {
                previous = FlowLog.Step(previous, Requests[i], Sites[i - 1])!;
                replay.Enqueue(previous);
            }
            return (root, replay);
        }

        /// <summary>This segment with its last request replaced by <paramref name="request"/>.</summary>
        public Segment EndingWith(Request request) => this with { Requests = [.. Requests[..^1], request] };
    }

    private Conversation(Segment[] segments)
    {
        _segments = segments;
        Requests = [.. segments.SelectMany(s => s.Requests)];
    }

    /// <summary>The requests in order: the first began the conversation at <c>Start</c>, the last is the one that failed.</summary>
    public IReadOnlyList<Request> Requests { get; }

    /// <summary>
    /// The conversation of the flow running now (an error responder asks while the flow's error is being answered);
    /// <c>null</c> outside a flow, for a stateless flow (its link is its conversation), for one whose first flow is
    /// not known (a handler embedded before DevServe kept where it came from, or a copied continuation's flow when the
    /// manager does not <see cref="ThresholdLruManager.KeepsConversations"/>), or past the replay log's bound.
    /// </summary>
    public static Conversation? Current
    {
        get
        {
            if (Flow.Ambient is not { Log: { } log } flow || flow.Runtime.Stuffer is not null)
            {
                return null;
            }
            // A retry that failed before it was done: what it had still to feed belongs to the conversation too.
            return Walk(log, flow.Replay ?? Enumerable.Empty<FlowLog>(), root => flow.Runtime.IsStart(root.Entry), flow.Handlers ?? Enumerable.Empty<Segment>());
        }
    }

    /// <summary>
    /// The conversation <paramref name="request"/> (a k-url) would resume in <paramref name="manager"/>, the request
    /// last, looked up and not run: for a request that came while the servlet did not compile. <c>null</c> when it
    /// is no k-url, is not there, or its conversation is not known.
    /// </summary>
    /// <param name="manager">The continuations of the version that served the conversation (a <see cref="ThresholdLruManager"/> that <see cref="ThresholdLruManager.KeepsConversations"/>, for conversations through embedded handlers or copied continuations).</param>
    /// <param name="request">The request.</param>
    public static Conversation? Pending(IManager manager, Request request)
    {
        ArgumentNullException.ThrowIfNull(manager);
        ArgumentNullException.ThrowIfNull(request);
        if (!ContinuationUrl.TryParse(request.Uri, manager.Node, out var instance, out var id, out var salt)
            || !manager.TryLookup(instance, id, salt, out var continuation))
        {
            return null;
        }
        // A resumable suspension is kept as its frames, with its live side (and log) when whole logs are kept.
        var log = ((continuation as SuspendedChain)?.Suspended ?? continuation) switch
        {
            SuspendedFlow { Log: { } suspended } flow => FlowLog.Step(suspended, request, flow.Site),
            EmbeddedHandler { EmbeddedBy: { } by } handler => FlowLog.Root(request, handler.Handler, by, handler.Index),
            _ => null,
        };
        return log is null ? null : Walk(log, [], root => root is { Kind: FlowLogKind.Root, IsHandlerRoot: false }, []);
    }

    // The segments from Start's flow to the one log belongs to, each handler's flow found through the log of the
    // flow that embedded it; null when a root is neither Start nor a handler whose embedding flow is known.
    private static Conversation? Walk(FlowLog log, IEnumerable<FlowLog> pending, Func<FlowLog, bool> isStart, IEnumerable<Segment> after)
    {
        var segments = new List<Segment>();
        for (var at = log; ; pending = [])
        {
            var nodes = Nodes(at);
            var steps = nodes.Skip(1).Concat(pending).Where(n => n.Kind == FlowLogKind.Step).ToList();
            if (steps.Count > FlowLog.MaxDepth)
            {
                return null;   // past the replay log's bound (copies' logs joined end to end can be): not replayable
            }
            var root = nodes[0];
            var start = isStart(root);
            segments.Insert(0, new Segment(start ? -1 : root.Site, [root.Request!, .. steps.Select(n => n.Request!)], [.. steps.Select(n => n.Site)]));
            if (start)
            {
                break;
            }
            if (root.EmbeddedBy is not { } parent)
            {
                return null;
            }
            at = parent;
        }
        segments.AddRange(after);
        return new Conversation([.. segments]);
    }

    // One flow's nodes from its entry: a log that begins at a copy goes on from the log of the suspension it copied.
    private static List<FlowLog> Nodes(FlowLog log)
    {
        var nodes = new List<FlowLog>(log.ToArray());
        while (nodes[0] is { Kind: FlowLogKind.Resumed, History: { } history } resumed)
        {
            nodes[0] = resumed.AsStep();
            nodes.InsertRange(0, history.ToArray());
        }
        return nodes;
    }

    /// <summary>
    /// The failed request again, arriving as <paramref name="carrier"/> did (its client, its cancellation): a stateful
    /// servlet answers it by running <c>Start</c> with the first request, feeding the recorded requests to its
    /// suspensions in order (their lines may have moved: the code changed), following each embedded handler's link by
    /// its place on the new page, and then this request, live.
    /// </summary>
    /// <param name="carrier">The request that asked for the retry.</param>
    /// <remarks>Only code makes such a request: nothing a client sends can. A stateless servlet answers it as the failed request.</remarks>
    public Request Retry(Request carrier)
    {
        ArgumentNullException.ThrowIfNull(carrier);
        var failed = Requests[^1];
        return new Request(failed.Method, failed.Uri, failed.Headers, failed.Bindings, failed.PostData, carrier.HostIp, carrier.HostPort, carrier.ClientIp)
        {
            Protocol = failed.Protocol,
            Aborted = carrier.Aborted,
            Retrying = this,
        };
    }

    /// <summary>
    /// How a retry begins at <paramref name="start"/>: its flow log, the requests to feed <c>Start</c>'s flow, and the
    /// handlers' segments to follow after it; <paramref name="retried"/> takes the failed request's place.
    /// </summary>
    internal (FlowLog Root, Queue<FlowLog>? Replay, Queue<Segment>? Handlers) ReplayFor(Request retried, Func<Request, Task<Response>> start)
    {
        var segments = _segments.ToArray();
        segments[^1] = segments[^1].EndingWith(retried);
        var (root, replay) = segments[0].Feed(start, null);
        return (root, replay, segments.Length > 1 ? new Queue<Segment>(segments.Skip(1)) : null);
    }
}
