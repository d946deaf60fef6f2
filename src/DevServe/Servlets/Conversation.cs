using DevServe.Internal;

namespace DevServe;

/// <summary>
/// What a stateful conversation was fed up to the request it failed on: its first request, each request fed to a
/// suspension, each remembered value. Fix-and-retry keeps it and runs it again on the servlet's new code
/// (<see cref="Retry"/>); replay, after all, is exactly what that needs.
/// </summary>
public sealed class Conversation
{
    private readonly FlowLog _log;

    private Conversation(FlowLog log, Request[] requests)
    {
        _log = log;
        Requests = requests;
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
            var requests = nodes.Where(n => n.Kind != FlowLogKind.Memo).Select(n => n.Request!).ToArray();
            return new Conversation(log, requests);
        }
    }

    /// <summary>
    /// The failed request again, arriving as <paramref name="carrier"/> did (its client, its cancellation): a stateful
    /// servlet answers it by running <c>Start</c> with the first request, feeding the recorded requests and remembered
    /// values to its suspensions in order (their lines may have moved: the code changed), and then this one, live.
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

    /// <summary>The nodes a retry feeds back: up to the last request fed to a suspension (what came after it ran live), the retried request last.</summary>
    internal Queue<FlowLog> ReplayFor(Request retried)
    {
        var nodes = _log.ToArray();
        var lastStep = Array.FindLastIndex(nodes, n => n.Kind == FlowLogKind.Step);
        var replay = new Queue<FlowLog>(nodes.Skip(1).Take(Math.Max(0, lastStep - 1)));
        if (lastStep > 0)
        {
            replay.Enqueue(FlowLog.Step(nodes[lastStep].Previous, retried, nodes[lastStep].Site)!);
        }
        return replay;
    }

    /// <summary>The request that began the conversation; the retried request itself when that was the one that failed.</summary>
    internal Request First(Request retried) => Requests.Count == 1 ? retried : Requests[0];
}
