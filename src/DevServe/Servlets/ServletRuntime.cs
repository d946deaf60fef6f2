using System.Net;

namespace DevServe.Internal;

/// <summary>One servlet behind <c>DispatchServlet</c>: its start, its manager, and what a request to it does.</summary>
/// <remarks>Racket: <c>make-v2.servlet</c> (servlet/setup.rkt) and the handler it installs.</remarks>
internal sealed class ServletRuntime(Func<Request, Task<Response>> start, IManager manager, string currentDirectory,
    Func<Request, Exception, Response> servletErrorResponder, IStuffer<byte[]>? stuffer)
{
    public IManager Manager { get; } = manager;

    /// <summary>Whether <paramref name="entry"/> is this servlet's <c>Start</c> (not an embedded handler).</summary>
    public bool IsStart(Func<Request, Task<Response>>? entry) => entry == start;

    /// <summary>
    /// Whether a copied continuation's log keeps the conversation before the copy (fix-and-retry replays conversations:
    /// a development server's manager keeps them) or only what follows it (<see cref="FlowLog.Resumed"/>), so that a
    /// kept continuation whose frames are sealed keeps no log at all. Either way a replay begins at the copy.
    /// </summary>
    public bool KeepsWholeLogs { get; } = manager is ThresholdLruManager { KeepsConversations: true };
    public string CurrentDirectory { get; } = currentDirectory;

    /// <summary>The stuffer of a stateless servlet; <c>null</c> for a stateful one.</summary>
    public IStuffer<byte[]>? Stuffer { get; } = stuffer;

    /// <summary>For remembered values of stateless flows: options of this servlet's own, so their caches go with it.</summary>
    public System.Text.Json.JsonSerializerOptions JsonOptions { get; } = new(System.Text.Json.JsonSerializerDefaults.Web);

    public Task<Response> HandleAsync(Request request)
    {
        request.UploadsKept = true;   // the flow may read them after this request is answered
        if (request.Retrying is { } retry && Stuffer is null)
        {
            var (root, replay, handlers) = retry.ReplayFor(request, start);
            return Run(new Flow(this, Manager.CreateInstance(), root.Request!, root) { Replay = replay, Lenient = true, Handlers = handlers }, start);
        }
        if (Stuffer is not null)
        {
            return HandleStateless(request);
        }
        // Another node's k-url (its node is gone, or the balancer lost track of it) does not parse here: expired, as after
        // a restart.
        if (!ContinuationUrl.TryParse(request.Uri, Manager.Node, out var instance, out var id, out var salt))
        {
            // A k parameter that does not parse is a tampered or truncated link: expired, and nothing runs.
            return ContinuationUrl.Has(request.Uri)
                ? Task.FromResult(Manager.ExpirationHandler(request))
                : Run(new Flow(this, Manager.CreateInstance(), request, FlowLog.Root(request, start)), start);
        }
        if (!Manager.TryLookup(instance, id, salt, out var continuation))
        {
            return Task.FromResult(Manager.ExpirationHandler(request));
        }
        switch (continuation)
        {
            case EmbeddedHandler embedded:
                return Run(new Flow(this, instance, request, FlowLog.Root(request, embedded.Handler, embedded.EmbeddedBy, embedded.Index)), embedded.Handler);
            case SuspendedChain chain:
                // Sealed (the usual case: long before the next request) or let go of its live side since the first read: copied.
                return chain.IsSealedNow || chain.Suspended is not { } live
                    ? ResumeCopy(chain, instance, request)
                    : Resume(live, instance, request);
            case SuspendedFlow suspended:
                return Resume(suspended, instance, request);
            default:
                return Task.FromResult(Manager.ExpirationHandler(request));
        }
    }

    private Task<Response> HandleStateless(Request request)
    {
        if (StatelessUrl.Find(request.Uri) is not { } stuffed)
        {
            return ContinuationUrl.Has(request.Uri)
                ? Task.FromResult(InvalidLink(request))
                : Run(new Flow(this, Manager.CreateInstance(), request, FlowLog.Root(request, start)) { Parents = [], Anonymous = true }, start);
        }
        byte[] bytes;
        try
        {
            if (!StatelessUrl.TryUnstuff(stuffed, Stuffer!, out bytes))
            {
                return Task.FromResult(InvalidLink(request));
            }
        }
        catch (StoreUnavailableException)
        {
            return Task.FromResult(StatelessUrl.StoreUnavailable);
        }
        if (FrameToken.IsFrameToken(bytes))
        {
            return ResumeFramesAsync(request, bytes);
        }
        return StatelessUrl.TryRead(bytes, out var continuation)
            ? ResumeStatelessAsync(request, continuation)
            : Task.FromResult(InvalidLink(request));
    }

    /// <summary>The servlet's own assembly (where a stateless link's types are looked up) and its root object (a script's top level).</summary>
    public (System.Reflection.Assembly Assembly, object? Root) OwnCode { get; } = FindOwnCode(start);

    // A synchronous Start comes wrapped by DevServe (ScriptStart.Of, DispatchServlet): the servlet is the delegate inside.
    private static (System.Reflection.Assembly, object?) FindOwnCode(Delegate start)
    {
        for (var d = start; ;)
        {
            var assembly = d.Method.Module.Assembly;
            var ours = assembly == typeof(ServletRuntime).Assembly || assembly.GetName().Name == "DevServe.Hosting";
            var inner = ours && d.Target is { } t
                ? t.GetType().GetFields(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic)
                    .Select(f => f.GetValue(t)).OfType<Delegate>().FirstOrDefault()
                : null;
            if (inner is null)
            {
                return (assembly, d.Target);
            }
            d = inner;
        }
    }

    /// <summary>A stateless link that carries its frames (or a handler): made again from the link, and run on from there.</summary>
    private async Task<Response> ResumeFramesAsync(Request request, byte[] bytes)
    {
        FrameToken.Read read;
        try
        {
            read = FrameToken.Open(bytes, OwnCode.Assembly, OwnCode.Root, request);
        }
        catch (StaleFrameException stale)
        {
            return StartOverPage.Make(request, "Page out of date", "<h1>This page was made by code that has changed</h1>"
                + $"<p>{WebUtility.HtmlEncode(stale.Message)}, so this link cannot go on where it left off, and nothing was done with it.</p>", 409);
        }
        catch (ExpiredTokenException)
        {
            return ExpiredPage.WithMessage(request, "This link is older than a stateless link may be. Please start over.");
        }
        catch (InvalidTokenException)
        {
            return InvalidLink(request);
        }
        var flow = new Flow(this, Manager.CreateInstance(), request, null) { Parents = [], FromLink = true };
        var answer = flow.OpenSlot();
        if (read.Handler is { } handler)
        {
            ServletThreads.Shared.Run(static s => s.Flow.RunAsync(s.Handler), (Flow: flow, Handler: handler));
        }
        else
        {
            ServletThreads.Shared.Run(static s => s.Flow.RunResumedAsync(s.Frames), (Flow: flow, Frames: read.Frames!));
        }
        return await answer.ConfigureAwait(false);
    }

    /// <summary>Runs the frames again: each parent to its end (to find its handlers), the last to the page being resumed.</summary>
    private async Task<Response> ResumeStatelessAsync(Request request, StatelessContinuation continuation)
    {
        var instance = Manager.CreateInstance();
        var entry = start;
        List<Func<Request, Task<Response>>>? embedded = null;
        for (var i = 0; i < continuation.Frames.Length; i++)
        {
            var frame = continuation.Frames[i];
            if (i > 0)
            {
                if (frame.Handler is not int h || embedded is null || h < 0 || h >= embedded.Count)
                {
                    return DivergencePage(request, new ReplayDivergedException("a page no longer offers the link that was followed"));
                }
                entry = embedded[h];
            }
            var first = frame.Request.ToRequest(request);
            var root = FlowLog.Root(first, entry);
            var nodes = new List<FlowLog>();
            var at = root;
            foreach (var logged in frame.Entries ?? [])
            {
                at = (logged.Request is { } r ? FlowLog.Step(at, r.ToRequest(request), logged.Site) : FlowLog.Memo(at, logged.Value))
                    ?? throw new InvalidOperationException("unreachable: URLs are only made under the log's bound");
                nodes.Add(at);
            }
            var parents = continuation.Frames[..i];
            if (i == continuation.Frames.Length - 1 && continuation.Site is int site)
            {
                nodes.Add(FlowLog.Step(at, request, site) ?? throw new InvalidOperationException("unreachable"));
                var flow = new Flow(this, instance, first, root) { Replay = new(nodes), Parents = parents, HandlerIndex = frame.Handler };
                return await Run(flow, entry).ConfigureAwait(false);
            }
            var probe = new Flow(this, instance, first, root)
            {
                Replay = nodes.Count > 0 ? new(nodes) : null, Parents = parents, HandlerIndex = frame.Handler, Probe = true,
            };
            var page = await Run(probe, entry).ConfigureAwait(false);
            if (probe.Diverged)
            {
                return page;
            }
            embedded = probe.Embedded;
        }
        if (continuation.Handler is not int index || embedded is null || index < 0 || index >= embedded.Count)
        {
            return DivergencePage(request, new ReplayDivergedException("a page no longer offers the link that was followed"));
        }
        var handlerEntry = embedded[index];
        var handlerFlow = new Flow(this, instance, request, FlowLog.Root(request, handlerEntry))
        {
            Parents = continuation.Frames,
            HandlerIndex = index,
        };
        return await Run(handlerFlow, handlerEntry).ConfigureAwait(false);
    }

    /// <summary>A stuffed URL that does not check out: changed, cut short, or signed by another key. Nothing ran.</summary>
    public static Response InvalidLink(Request request) => StartOverPage.Make(request, "Invalid link",
        "<h1>This link is not valid</h1>"
        + "<p>It was changed, cut short, or made by a server with another key, so nothing was done with it.</p>", 400);

    // The entry gets the flow's request (Current), the one it was made with.
    private static Task<Response> Run(Flow flow, Func<Request, Task<Response>> entry)
    {
        var slot = flow.OpenSlot();
        // Never on the caller's thread: it serves other connections' I/O, and servlet code may block (ServletThreads).
        // Never faults: the root catches everything.
        ServletThreads.Shared.Run(static s => s.Flow.RunAsync(s.Entry), (Flow: flow, Entry: entry));
        return slot;
    }

    private Task<Response> Resume(SuspendedFlow suspended, int instance, Request request)
    {
        if (suspended.Blocked is { } blocked)
        {
            return Task.FromResult(ErrorPage(request, new InvalidOperationException(blocked)));
        }
        if (suspended.StillRunning)
        {
            // The code that suspended has not yielded its thread yet: it is still unwinding (microseconds), or it blocks
            // on the task (.Result), which must fail rather than wait for the user. Decided on a servlet thread.
            var answer = new TaskCompletionSource<Response>();
            ServletThreads.Shared.Run(async () =>
            {
                // The watchdog decides whether it is blocked (SuspensionWatch); code that is merely slow is waited for, up to 10 s.
                suspended.WaitYielded(TimeSpan.FromSeconds(10));
                suspended.Yielded();   // decided: blocked (the page says so), or gone on as usual
                answer.SetResult(await Resume(suspended, instance, request).ConfigureAwait(false));
            });
            return answer.Task;
        }
        if (suspended.Chain is { } chain)
        {
            if (chain.IsSealedNow)
            {
                return ResumeCopy(chain, instance, request);
            }
            // Decided on a servlet thread: a chain still being collected (microseconds) is waited for there.
            var copy = CopyFlow(chain, instance, request);
            var answer = copy.OpenSlot();
            ServletThreads.Shared.Run(async () =>
            {
                if (chain.IsSealed())
                {
                    await copy.RunResumedAsync(chain).ConfigureAwait(false);
                }
                else
                {
                    copy.Answer(await ResumeLiveOrReplay(suspended, instance, request).ConfigureAwait(false));
                }
            });
            return answer;
        }
        return ResumeLiveOrReplay(suspended, instance, request);
    }

    // A real continuation: a copy of the sealed frames goes on from the suspension; the original never runs.
    private Task<Response> ResumeCopy(SuspendedChain chain, int instance, Request request) => RunCopy(CopyFlow(chain, instance, request), chain);

    // Like Run, for a flow whose root is a copy of sealed frames.
    private static Task<Response> RunCopy(Flow flow, SuspendedChain chain)
    {
        var slot = flow.OpenSlot();
        ServletThreads.Shared.Run(static s => s.Flow.RunResumedAsync(s.Chain), (Flow: flow, Chain: chain));
        return slot;
    }

    // The flow a copy runs in. Its log begins at the copy (a replay copies the frames again); where conversations are
    // kept, it goes on from the log of the suspension copied (which the chain keeps then). The request shares the
    // headers equal to those the continuation was fed.
    private Flow CopyFlow(SuspendedChain chain, int instance, Request request)
    {
        var copy = new Flow(this, instance, request, FlowLog.Resumed(chain, request, chain.Line, KeepsWholeLogs ? chain.Suspended?.Log : null));
        if (chain.FedHeaders is { } fed && request.ShareHeadersWith(fed))
        {
            copy.HasSameHeaders(request, fed);
        }
        return copy;
    }

    private Task<Response> ResumeLiveOrReplay(SuspendedFlow suspended, int instance, Request request)
    {
        if (suspended.TryClaim(out var flow, out var resume) && !flow.Done)
        {
            suspended.Log?.CompactLastRequest();   // the flow moves on: only the log keeps the request it suspended with
            flow.Current = request;
            flow.Log = FlowLog.Step(suspended.Log, request, suspended.Site);
            var slot = flow.OpenSlot();
            // The flow may have ended between the check above and the slot: then nothing would answer it.
            if (!flow.Done || !flow.WithdrawSlot())
            {
                // The flow runs on a servlet thread up to its next suspension or its end (awaits that were not
                // ConfigureAwait(false) come back to one anyway). No lock is held.
                ServletThreads.Shared.Run(() =>
                {
                    resume.SetResult(request);
                    return Task.CompletedTask;
                });
                return slot;
            }
        }
        // Used before (back button, resubmit, a second tab) or its flow is gone: replay from the log.
        if (suspended.Log is not { } log)
        {
            return Task.FromResult(ExpiredPage.WithMessage(request,
                "This page was too many steps ago to be replayed. Please start over."));
        }
        var nodes = log.ToArray();
        var replay = new Queue<FlowLog>(nodes.Length);
        for (var i = 1; i < nodes.Length; i++)
        {
            replay.Enqueue(nodes[i]);
        }
        replay.Enqueue(FlowLog.Step(log, request, suspended.Site) ?? throw new InvalidOperationException("unreachable: the log is under its bound"));
        var root = nodes[0];
        var replayed = new Flow(this, instance, root.Request!, root) { Replay = replay };
        // A log that begins where a copy of sealed frames was resumed: the replay copies them again, nothing before runs.
        return root.Frames is { } frames ? RunCopy(replayed, frames) : Run(replayed, root.Entry!);
    }

    public Response ErrorPage(Request request, Exception exception)
    {
        try
        {
            return servletErrorResponder(request, exception);
        }
        catch (Exception responderFailure)
        {
            return DefaultErrorPage(request, new AggregateException(exception, responderFailure));
        }
    }

    /// <summary>Racket's servlet-error-responder: 500 with the message and the stack trace (a development server shows them).</summary>
    public static Response DefaultErrorPage(Request request, Exception exception)
    {
        Console.Error.WriteLine($"Servlet (@ {request.Uri.AbsolutePath}) exception: {exception}");
        return Response.Html(
            "<!DOCTYPE html><html><head><title>Servlet Error</title></head><body><h1>Servlet Error</h1>"
            + $"<p>{WebUtility.HtmlEncode(exception.GetType().Name)}: {WebUtility.HtmlEncode(exception.Message)}</p>"
            + $"<pre>{WebUtility.HtmlEncode(exception.ToString())}</pre></body></html>", 500);
    }

    public static Response DivergencePage(Request request, ReplayDivergedException diverged) => StartOverPage.Make(request,
        "Replay Diverged", "<h1>This page cannot be replayed</h1>"
        + $"<p>Going back to it re-ran the servlet from the start, and {WebUtility.HtmlEncode(diverged.Message)}. "
        + "Code between suspensions must do the same thing every time it runs: put random numbers, clocks and "
        + "generated ids in <code>Web.Remember</code>.</p>", 409);

    /// <summary>
    /// What keeping a suspended flow costs the manager: the flow (smaller when its frames are a template, smaller still
    /// without a log), plus the request it was fed last: its log holds it, or, without a log, the template's locals
    /// may (<c>var answer = await SendSuspend(…)</c> used after the next page); charged either way, so the threshold
    /// bounds what big forms keep.
    /// </summary>
    public long EstimateBytes(Request request, bool resumable) => request.RetainedBytes + (!resumable ? IEstimatedSize.FlowBytes
        : KeepsWholeLogs ? IEstimatedSize.ResumableFlowBytes : IEstimatedSize.SealedFlowBytes);
}
