using DevServe.Internal;

namespace DevServe;

/// <summary>
/// The requests a stateful conversation was fed up to the one it failed on: its first request, then each request fed
/// to a suspension. Fix-and-retry keeps it and runs it again on the servlet's new code (<see cref="Retry"/>); replay,
/// after all, is exactly what that needs.
/// </summary>
/// <remarks>
/// Only requests are kept, never the old code's delegates or remembered values: a kept conversation must not keep
/// the old version's code loaded. A retry computes remembered values anew.
/// </remarks>
public sealed class Conversation
{
    private readonly int[] _sites;

    private Conversation(Request[] requests, int[] sites)
    {
        Requests = requests;
        _sites = sites;
    }

    /// <summary>The requests in order: the first began the conversation at <c>Start</c>, the last is the one that failed.</summary>
    public IReadOnlyList<Request> Requests { get; }

    /// <summary>
    /// The conversation of the flow running now (an error responder asks while the flow's error is being answered);
    /// <c>null</c> outside a flow, for a stateless flow (its link is its conversation), for one begun at an embedded
    /// handler (the handler belongs to the old code), or past the replay log's bound.
    /// </summary>
    public static Conversation? Current
    {
        get
        {
            if (Flow.Ambient is not { Log: { } log } flow || flow.Runtime.Stuffer is not null)
            {
                return null;
            }
            var nodes = log.ToArray();
            if (!flow.Runtime.IsStart(nodes[0].Entry))
            {
                return null;
            }
            // A retry that failed before its replay was done: what it had still to feed belongs to the conversation too.
            var steps = nodes.Skip(1).Concat(flow.Replay ?? Enumerable.Empty<FlowLog>()).Where(n => n.Kind == FlowLogKind.Step).ToList();
            return new Conversation([nodes[0].Request!, .. steps.Select(n => n.Request!)], [.. steps.Select(n => n.Site)]);
        }
    }

    /// <summary>
    /// The failed request again, arriving as <paramref name="carrier"/> did (its client, its cancellation): a stateful
    /// servlet answers it by running <c>Start</c> with the first request, feeding the recorded requests to its
    /// suspensions in order (their lines may have moved: the code changed), and then this one, live.
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

    /// <summary>The flow log a retry begins with at <paramref name="start"/>, and the requests it feeds back, <paramref name="retried"/> last.</summary>
    internal (FlowLog Root, Queue<FlowLog>? Replay) ReplayFor(Request retried, Func<Request, Task<Response>> start)
    {
        var first = Requests.Count == 1 ? retried : Requests[0];
        var root = FlowLog.Root(first, start);
        if (Requests.Count == 1)
        {
            return (root, null);
        }
        var replay = new Queue<FlowLog>(Requests.Count - 1);
        var previous = root;
        for (var i = 1; i < Requests.Count; i++)
        {
            previous = FlowLog.Step(previous, i == Requests.Count - 1 ? retried : Requests[i], _sites[i - 1])!;
            replay.Enqueue(previous);
        }
        return (root, replay);
    }
}
