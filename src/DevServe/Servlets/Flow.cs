namespace DevServe.Internal;

/// <summary>
/// One run of a servlet's entry point: the request it is serving now, its replay log and the response slot the
/// HTTP side waits on. The only value in the ambient context; every frame of the flow sees it mutate.
/// </summary>
/// <remarks>
/// An await restores the ExecutionContext captured when it began, so after a resume the flow would still see the
/// first request in any per-request AsyncLocal. One mutable object, set once at the root, is what works
/// (docs/design/continuations.md §3).
/// </remarks>
internal sealed class Flow(ServletRuntime runtime, int instance, Request current, FlowLog? log)
{
    private static readonly AsyncLocal<Flow?> s_ambient = new();
    private TaskCompletionSource<Response>? _slot;

    public ServletRuntime Runtime { get; } = runtime;
    public int Instance { get; } = instance;
    public Request Current { get; set; } = current;

    private (Request Request, IReadOnlyList<Header> Headers)? _sameHeaders;

    /// <summary>Notes that <paramref name="request"/>'s headers are, one for one, the very objects of <paramref name="headers"/>.</summary>
    public void HasSameHeaders(Request request, IReadOnlyList<Header> headers) => _sameHeaders = (request, headers);

    /// <summary>
    /// The headers a continuation keeps of the request this flow was fed last: the list it was resumed with when the
    /// request shares every one of them (one array less per continuation of a conversation), else its own.
    /// </summary>
    public IReadOnlyList<Header> FedHeaders => _sameHeaders is { } same && ReferenceEquals(same.Request, Current) ? same.Headers : Current.Headers;
    public FlowLog? Log { get; set; } = log;

    /// <summary>Logged nodes still to be fed back, and the new request last; <c>null</c> when live.</summary>
    public Queue<FlowLog>? Replay { get; set; }

    /// <summary>Stateless flows only (else <c>null</c>): the frames of the flows whose handlers led here.</summary>
    public StatelessFrame[]? Parents { get; init; }

    /// <summary>Stateless: which of its parent's embedded handlers this flow runs (<c>null</c> for Start).</summary>
    public int? HandlerIndex { get; init; }

    /// <summary>Stateless: the handlers this flow embedded, in order (their positions are their names in URLs).</summary>
    public List<Func<Request, Task<Response>>>? Embedded { get; set; }

    /// <summary>Stateless: started by a request that carried no link (anyone can send one), so its links may not use the hash store.</summary>
    public bool Anonymous { get; init; }

    /// <summary>Stateless: replaying a parent frame only to find its handlers again; it must not suspend.</summary>
    public bool Probe { get; init; }

    /// <summary>Stateless: this flow went on from frames (or a handler) a link carried, so it has no replay log.</summary>
    public bool FromLink { get; init; }

    /// <summary>
    /// Replaying for fix-and-retry on changed code: requests are fed to suspensions by order, not by line, and
    /// remembered values are computed anew; the log is rebuilt as the new code goes.
    /// </summary>
    public bool Lenient { get; init; }

    /// <summary>
    /// A retry through embedded handlers: for each link followed after the current segment, which of the page's
    /// handlers it was and the requests its flow was fed (the retried one last).
    /// </summary>
    public Queue<Conversation.Segment>? Handlers { get; set; }

    /// <summary>Set when a retry reached the page whose link it follows next: the root runs that handler once the entry returns.</summary>
    public (Func<Request, Task<Response>> Handler, Conversation.Segment Segment)? Follow { get; set; }

    /// <summary>Set when a replay took another path (its answer is the divergence page).</summary>
    public bool Diverged { get; private set; }

    /// <summary>This flow as a stateless frame: its first request and what fed it since.</summary>
    public StatelessFrame CurrentFrame()
    {
        var nodes = (Log ?? throw new InvalidOperationException(FromLink
            ? "This code went on from the frames its link carried, and suspended (or embedded a handler) in code whose frames a "
                + "link cannot carry: an async lambda, or a method DevServe did not compile as resumable. In a stateless servlet, write "
                + "each handler that suspends as a named async method or local function and pass it by name: "
                + "async Task<Response> Add(Request r) { ...; await RedirectGet(); return ...; } ... embed(Add)."
            : $"A stateless flow can record at most {FlowLog.MaxDepth} steps in its URL.")).ToArray();
        return new StatelessFrame(HandlerIndex, LoggedRequest.From(nodes[0].Request!),
            [.. nodes.Skip(1).Select(n => n.Kind == FlowLogKind.Step
                ? new LoggedEntry(LoggedRequest.From(n.Request!), n.Site, null)
                : new LoggedEntry(null, 0, n.Value is System.Text.Json.JsonElement e ? e : null))]);
    }

    /// <summary>Set once the entry point has returned or thrown: nothing will await a continuation of this flow again.</summary>
    public volatile bool Done;

    /// <summary>The flow running now, or <c>null</c>.</summary>
    public static Flow? Ambient => s_ambient.Value;

    public static Flow Require(string member) => s_ambient.Value
        ?? throw new InvalidOperationException(
            $"Web.{member} works only inside a servlet: while DispatchServlet runs Start or an embedded handler.");

    /// <summary>
    /// Opens the slot the next response goes to. Answering it runs the HTTP side's continuation (writing the response)
    /// right there, on the servlet thread: handing it back to the thread pool would cost a second thread switch per
    /// request (measured: servlet hello at 0.40 × bare Kestrel with it). The flow goes on once the write is under way.
    /// </summary>
    public Task<Response> OpenSlot()
    {
        var slot = new TaskCompletionSource<Response>();
        Interlocked.Exchange(ref _slot, slot);   // a full fence: a resumer reads Done only after the slot is seen
        return slot.Task;
    }

    /// <summary>
    /// Takes back a slot nobody has answered; false when the flow answered it already. A resumer that finds the flow
    /// ended just after it opened a slot takes it back and replays instead: the ended flow will answer nothing more.
    /// </summary>
    public bool WithdrawSlot() => Interlocked.Exchange(ref _slot, null) is not null;

    /// <summary>Answers the open slot; false when there is none (already answered). The slot is let go: a suspended flow does not keep its page.</summary>
    public bool Answer(Response response) => Interlocked.Exchange(ref _slot, null)?.TrySetResult(response) ?? false;

    /// <summary>Runs the entry point as the root of this flow, answering the open slot with whatever it ends with.</summary>
    /// <remarks>The entry point gets <see cref="Current"/>, the request the flow was made with.</remarks>
    // Static lambdas and the state beside them: a flow starts per request, and closures would be allocated per request.
    public Task RunAsync(Func<Request, Task<Response>> entry) => RunRootAsync(s_runEntry, entry);

    private static readonly Func<Flow, object, Task<Response>> s_runEntry = static (flow, entry) =>
    {
        var task = ((Func<Request, Task<Response>>)entry)(flow.Current);
        ResumableFrame.ReachedRoot(task);
        return task;
    };

    /// <summary>Runs a copy of <paramref name="chain"/>'s frames, resumed with this flow's request, as the root of this flow.</summary>
    public Task RunResumedAsync(SuspendedChain chain) => RunRootAsync(static (flow, chain) =>
    {
        var (innermost, root) = ((SuspendedChain)chain).Copy(flow.Current, flow, static (flow, template) => flow.ContextFor(template));
        innermost.Run();
        return (Task<Response>)root;
    }, chain);

    /// <summary>Runs frames read from a stateless link, resumed with this flow's request, as the root of this flow.</summary>
    public Task RunResumedAsync(IReadOnlyList<(StateMachineBox Box, AwaiterSlot Slot)> frames) => RunRootAsync(static (flow, state) =>
    {
        var frames = (IReadOnlyList<(StateMachineBox Box, AwaiterSlot Slot)>)state;
        var context = ExecutionContext.Capture();   // this flow's root context: the link carries no AsyncLocal values
        foreach (var (box, _) in frames)
        {
            box.Context = context;
        }
        var (innermost, root) = SuspendedChain.Link(frames, flow.Current);
        innermost.Run();
        return (Task<Response>)root;
    }, frames);

    // A copied frame runs in the context its template had, with this flow as the ambient one (none: this flow's root context).
    private ExecutionContext? ContextFor(ExecutionContext? template)
    {
        if (template is null)
        {
            return RootContext;
        }
        ExecutionContext? copy = null;
        ExecutionContext.Run(template, _ =>
        {
            s_ambient.Value = this;
            copy = ExecutionContext.Capture();
        }, null);
        return copy;
    }

    /// <summary>The context at this flow's root: the ambient flow set, nothing else of the servlet's.</summary>
    public ExecutionContext? RootContext { get; private set; }

    private async Task RunRootAsync(Func<Flow, object, Task<Response>> run, object state)
    {
        s_ambient.Value = this;   // set inside this async method: the caller's context is untouched
        RootContext = ExecutionContext.Capture();
        Response response = null!;   // set by the entry's return; a followed link goes round again first
        try
        {
            while (true)
            {
                try
                {
                    response = await run(this, state).ConfigureAwait(false);
                }
                catch (Exception) when (Follow is not null)
                {
                    // The page whose link is followed was made: what its code did after that does not matter.
                }
                if (Follow is not { } follow)
                {
                    break;
                }
                // A retry replayed up to the page whose link was followed: on into that handler, in new code.
                Follow = null;
                var (root, replay) = follow.Segment.Feed(follow.Handler, Log);
                Log = root;
                Current = root.Request!;
                Replay = replay;
                run = s_runEntry;
                state = follow.Handler;
            }
            if (Replay is { Count: > 0 } || Handlers is { Count: > 0 })
            {
                throw new ReplayDivergedException("the servlet finished before it reached the page being resumed");
            }
        }
        catch (SendBackException back)
        {
            response = back.Response;
        }
        catch (FormletException bad)
        {
            // Something a browser (or a hand) sent: a clear 400, not the servlet error page.
            response = StartOverPage.Make(Current, "Bad form", "<h1>This form was not filled in as expected</h1>"
                + $"<p>{System.Net.WebUtility.HtmlEncode(bad.Message)}</p>", 400);
        }
        catch (ReplayDivergedException diverged)
        {
            Diverged = true;
            response = Lenient
                ? StartOverPage.Make(Current, "Retry Diverged", "<h1>This request cannot be retried on the new code</h1>"
                    + $"<p>Running the conversation again on the new code, {System.Net.WebUtility.HtmlEncode(diverged.Message)}, "
                    + "so nothing more was done with it.</p>", 409)
                : ServletRuntime.DivergencePage(Current, diverged);
        }
        catch (Exception e)
        {
            response = Runtime.ErrorPage(Current, e);
        }
        Done = true;
        Answer(response);
    }
}

/// <summary>A replayed flow asked for something other than what was recorded: its code is not deterministic.</summary>
internal sealed class ReplayDivergedException(string message) : Exception(message);
