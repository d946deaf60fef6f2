using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using DevServe.Internal;

namespace DevServe;

/// <summary>
/// The servlet API, ambient like Racket's: inside a servlet, <c>using static DevServe.Web;</c> and call
/// <see cref="SendSuspend"/>, <see cref="SendSuspendDispatch"/> and the rest from any async depth.
/// </summary>
/// <remarks>
/// Racket: servlet/web.rkt. A live flow resumes once; reusing a consumed continuation re-runs the servlet from its
/// start with the recorded requests (replay), so code between suspensions must be deterministic: put random
/// numbers, clocks and generated ids in <see cref="Remember"/>. A replay that takes another path gets a 409 page.
/// Outside a servlet every member throws <see cref="InvalidOperationException"/>.
/// </remarks>
public static class Web
{
    /// <summary>The request the servlet is handling now (after a resume: the resuming request).</summary>
    public static Request CurrentRequest => Flow.Require(nameof(CurrentRequest)).Current;

    /// <summary>Whether this code runs inside a servlet's flow (where <see cref="CurrentRequest"/> is there to ask).</summary>
    public static bool InServlet => Flow.Ambient is not null;

    /// <summary>The servlet's directory (<c>DispatchServlet</c>'s <c>currentDirectory</c>): resolve relative files against it.</summary>
    public static string CurrentDirectory => Flow.Require(nameof(CurrentDirectory)).Runtime.CurrentDirectory;

    /// <summary>
    /// Answers the current request with the page <paramref name="makePage"/> builds around a fresh continuation URL,
    /// and completes with the request that visits that URL (Racket: <c>send/suspend</c>).
    /// </summary>
    /// <param name="makePage">Builds the page from the k-url (put it in a form's action or a link).</param>
    /// <param name="site">Filled in by the compiler: replay checks each suspension is reached again at the same line.</param>
    /// <param name="file">Filled in by the compiler: named when this suspension has to be resumed by replay.</param>
    public static Task<Request> SendSuspend(Func<string, Response> makePage, [CallerLineNumber] int site = 0, [CallerFilePath] string file = "")
    {
        ArgumentNullException.ThrowIfNull(makePage);
        var flow = Flow.Require(nameof(SendSuspend));
        if (flow.Lenient && flow.Replay is null && flow.Handlers is { Count: > 0 })
        {
            throw new ReplayDivergedException($"it suspended at line {site} where it had offered a page of links");
        }
        if (flow.Replay is { } replay)
        {
            var node = replay.Dequeue();
            if (node.Kind != FlowLogKind.Step || (node.Site != site && !flow.Lenient))
            {
                throw new ReplayDivergedException($"it reached a suspension at line {site} where it had been at {Describe(node)}");
            }
            if (replay.Count == 0)
            {
                flow.Replay = null;   // the last node is the new request: from here on the flow is live
            }
            // A lenient replay logs anew: the new code's lines, and what it remembered itself.
            flow.Log = flow.Lenient ? FlowLog.Step(flow.Log, node.Request!, site) : node;
            flow.Current = node.Request!;
            return Task.FromResult(node.Request!);
        }
        if (flow.Parents is { } parents)
        {
            if (flow.Probe)
            {
                throw new ReplayDivergedException($"it suspended at line {site} where it had answered with a page");
            }
            if (ResumableFrame.Running is { } frame)
            {
                // The URL will carry the frames themselves: the page is made once they are collected, as the
                // suspension unwinds to the root (StatelessPage).
                var never = new TaskCompletionSource<Request>();
                SuspendedChain? frames = null;
                frames = new SuspendedChain(never.Task, file, site) { Resolved = isSealed => StatelessPage.Answer(flow, frames!, isSealed, makePage, site) };
                frame.Pending = frames;
                SuspensionWatch.Note(never);
                return never.Task;
            }
            var url = StatelessUrl.Format(flow.Current.Uri, new StatelessContinuation([.. parents, flow.CurrentFrame()], site, null),
                flow.Runtime.Stuffer!, mayStore: !flow.Anonymous);
            flow.Answer(makePage(url));
            // Nothing is kept: the URL is the continuation. Nobody holds this source, so the flow is garbage now.
            var ended = new TaskCompletionSource<Request>();
            SuspensionWatch.Note(ended);
            return ended.Task;
        }
        var resume = new TaskCompletionSource<Request>();   // completed by the resumer on a servlet thread, where the flow then runs
        // Resumable code: the frames are collected as this suspension unwinds, and every resumption copies them.
        var running = ResumableFrame.Running;
        var chain = running is null ? null : new SuspendedChain(resume.Task, file, site, flow.RootContext);
        if (running is null && file.EndsWith(".csx", StringComparison.OrdinalIgnoreCase))
        {
            // A script's methods are compiled resumable: a suspension outside them is in an async lambda (an embedded
            // handler written as one), and the fallback must be seen, never silent.
            SuspendedChain.WarnReplay(file, site, "it is not inside a method DevServe compiled as resumable (an async lambda?); "
                + "write it as a named async method or local function");
        }
        var suspended = new SuspendedFlow(flow, resume, flow.Log, site, flow.Runtime.EstimateBytes(flow.Current, chain is not null), chain,
            keepsLog: flow.Runtime.KeepsWholeLogs);
        // Resumable code is kept as its frames, which let go of this live side once they are sealed.
        chain?.Keep(suspended, flow.FedHeaders);
        var manager = flow.Runtime.Manager;
        if (!manager.TryStore(flow.Instance, (object?)chain ?? suspended, out var id, out var salt))
        {
            throw new SendBackException(manager.ExpirationHandler(flow.Current));
        }
        bool answered;
        try
        {
            answered = flow.Answer(makePage(ContinuationUrl.Format(flow.Current.Uri, manager.Node, flow.Instance, id, salt)));
        }
        catch
        {
            suspended.Yielded();   // its page never went out: nothing runs on for it (and its URL must not wait)
            throw;
        }
        if (!answered)
        {
            suspended.TryClaim(out _, out _);   // never resumable live: nothing will await it
            suspended.Yielded();
            throw new InvalidOperationException(
                "This flow has already answered its request: await each SendSuspend before calling the next.");
        }
        if (chain is not null)
        {
            running!.Pending = chain;   // collected as the suspension unwinds; a resumption that comes first waits for it
        }
        SuspensionWatch.Note(suspended);
        return resume.Task;
    }

    /// <summary>
    /// Builds a page whose links and forms invoke handlers, each registered by <see cref="EmbedUrl"/>; returns the
    /// page, for the servlet to return (Racket: <c>send/suspend/dispatch</c>). Each handler can be invoked any number
    /// of times (the back button), each time with a fresh context of the same instance.
    /// </summary>
    public static Response SendSuspendDispatch(Func<EmbedUrl, Response> makePage)
    {
        ArgumentNullException.ThrowIfNull(makePage);
        var flow = Flow.Require(nameof(SendSuspendDispatch));
        var manager = flow.Runtime.Manager;
        if (flow.Parents is { } parents)
        {
            StatelessFrame[]? frames = null;   // the same for every handler of this page: made once
            return makePage(handler =>
            {
                ArgumentNullException.ThrowIfNull(handler);
                var embedded = flow.Embedded ??= [];
                embedded.Add(handler);
                if (flow.Probe)
                {
                    return "";   // only the handler is wanted, not its URL
                }
                if (StatelessPage.HandlerToken(flow, handler) is { } token)
                {
                    return StatelessUrl.Format(flow.Current.Uri, token, flow.Runtime.Stuffer!, mayStore: !flow.Anonymous);
                }
                frames ??= [.. parents, flow.CurrentFrame()];
                return StatelessUrl.Format(flow.Current.Uri, new StatelessContinuation(frames, null, embedded.Count - 1), flow.Runtime.Stuffer!,
                    mayStore: !flow.Anonymous);
            });
        }
        var offered = new List<Func<Request, Task<Response>>>();
        var keep = manager is ThresholdLruManager { KeepsConversations: true } ? flow.Log : null;
        var page = makePage(handler =>
        {
            ArgumentNullException.ThrowIfNull(handler);
            offered.Add(handler);
            if (!manager.TryStore(flow.Instance, new EmbeddedHandler(handler, keep, offered.Count - 1), out var id, out var salt))
            {
                throw new SendBackException(manager.ExpirationHandler(flow.Current));
            }
            return ContinuationUrl.Format(flow.Current.Uri, manager.Node, flow.Instance, id, salt);
        });
        keep?.CompactLastRequest();   // kept by the handlers now: the request it ends with, smaller
        // A retry that has fed this page's flow everything goes on, at the flow's root, into the handler whose link
        // was followed: noted, not thrown, so no catch in the servlet's code can take it.
        if (flow.Lenient && flow.Replay is null && flow.Follow is null && flow.Handlers?.TryDequeue(out var next) == true)
        {
            if (next.Handler >= offered.Count)
            {
                throw new ReplayDivergedException($"the page no longer offers the link that was followed (link {next.Handler + 1} of {offered.Count})");
            }
            flow.Follow = (offered[next.Handler], next);
        }
        return page;
    }

    /// <summary>Forgets this instance's continuations, then suspends like <see cref="SendSuspend"/> (Racket: <c>send/forward</c>).</summary>
    public static Task<Request> SendForward(Func<string, Response> makePage, [CallerLineNumber] int site = 0, [CallerFilePath] string file = "")
    {
        ClearContinuationTable();
        return SendSuspend(makePage, site, file);
    }

    /// <summary>Sends <paramref name="response"/> and ends this flow (Racket: <c>send/back</c>).</summary>
    [DoesNotReturn]
    public static void SendBack(Response response)
    {
        Flow.Require(nameof(SendBack));
        throw new SendBackException(response);
    }

    /// <summary>Forgets this instance's continuations, sends <paramref name="response"/> and ends the flow (Racket: <c>send/finish</c>).</summary>
    [DoesNotReturn]
    public static void SendFinish(Response response)
    {
        ClearContinuationTable();
        throw new SendBackException(response);
    }

    /// <summary>Answers with a 303 redirect to a fresh continuation and completes with the GET that follows it (POST/redirect/GET).</summary>
    public static Task<Request> RedirectGet([CallerLineNumber] int site = 0, [CallerFilePath] string file = "")
        => SendSuspend(k => Response.RedirectTo(k, RedirectionStatus.SeeOther), site, file);

    /// <summary>Forgets every continuation of this instance (Racket: <c>clear-continuation-table!</c>).</summary>
    public static void ClearContinuationTable()
    {
        var flow = Flow.Require(nameof(ClearContinuationTable));
        flow.Runtime.Manager.ClearContinuations(flow.Instance);
    }

    /// <summary>Asks the manager to keep this instance for <paramref name="timeout"/> from now (timeout manager only).</summary>
    public static void AdjustTimeout(TimeSpan timeout)
    {
        var flow = Flow.Require(nameof(AdjustTimeout));
        flow.Runtime.Manager.AdjustTimeout(flow.Instance, timeout);
    }

    /// <summary>
    /// Runs <paramref name="compute"/> once and records its result in the flow's log; a replay returns the
    /// recorded value instead of running it again. For random numbers, clocks and generated ids.
    /// </summary>
    public static T Remember<T>(Func<T> compute)
    {
        ArgumentNullException.ThrowIfNull(compute);
        var flow = Flow.Require(nameof(Remember));
        // A retry on new code feeds requests only: what the old code remembered is computed anew (and logged).
        if (flow.Replay is { } replay && !flow.Lenient)
        {
            var node = replay.Dequeue();
            if (node.Kind != FlowLogKind.Memo
                || (node.Value is not T && node.Value is not null && node.Value is not System.Text.Json.JsonElement))
            {
                throw new ReplayDivergedException($"it asked to remember a {typeof(T).Name} where it had been at {Describe(node)}");
            }
            if (replay.Count == 0)
            {
                flow.Replay = null;
            }
            flow.Log = node;
            // Stateless logs come back from the URL as JSON; the runtime's own options, so no shared cache pins script types.
            return node.Value is System.Text.Json.JsonElement json ? System.Text.Json.JsonSerializer.Deserialize<T>(json, flow.Runtime.JsonOptions)! : (T)node.Value!;
        }
        var value = compute();
        flow.Log = FlowLog.Memo(flow.Log,
            flow.Parents is null ? value : System.Text.Json.JsonSerializer.SerializeToElement(value, flow.Runtime.JsonOptions));
        return value;
    }

    private static string Describe(FlowLog node) => node.Kind == FlowLogKind.Step
        ? $"a suspension at line {node.Site}"
        : "a remembered value";
}
