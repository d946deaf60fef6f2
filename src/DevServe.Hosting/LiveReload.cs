using System.Text;
using System.Text.Json;

namespace DevServe.Hosting;

/// <summary>
/// Reloads open tabs when the script changes: HTML pages get a small script (just before <c>&lt;/body&gt;</c>) that
/// listens to an event stream of version numbers and reloads when the number is not the one the page was made with.
/// </summary>
/// <remarks>
/// The tab reloads after every recompile, successful or not: a failed one shows the compile error page at once,
/// and that page reloads again when the fix is saved. Each stream ends after a while and the browser reconnects,
/// so a stopping server never waits long for it.
/// </remarks>
public static class LiveReload
{
    /// <summary>The path of the event stream.</summary>
    public const string EventsPath = "/__devserve/reload";

    private static readonly TimeSpan s_streamLifetime = TimeSpan.FromSeconds(10);

    /// <summary>Serves the event stream and adds the listening script to the HTML pages <paramref name="inner"/> answers.</summary>
    public static Dispatcher Wrap(IReloadingServlet servlet, Dispatcher inner) => Wrap(servlet, inner, null);

    /// <summary>
    /// As <see cref="Wrap(IReloadingServlet, Dispatcher)"/>; the stream also reports the static files
    /// <paramref name="statics"/> sees change (an open tab swaps a changed stylesheet in place, its state kept, and
    /// reloads for any other file) and, to tabs on this machine, the lines <paramref name="console"/> keeps.
    /// </summary>
    internal static Dispatcher Wrap(IReloadingServlet servlet, Dispatcher inner, StaticFilesWatcher? statics, BrowserConsole? console = null)
    {
        ArgumentNullException.ThrowIfNull(servlet);
        ArgumentNullException.ThrowIfNull(inner);
        return request =>
        {
            if (request.Path == EventsPath)
            {
                return new(Events(servlet, statics, console, request));
            }
            // A page shows the console lines from the moment its request came.
            return Then(inner(request), servlet, console?.Sequence ?? -1, s_inject);
        };
    }

    private static readonly Func<Response?, int, long, Response?> s_inject = Inject;
    private static readonly Func<Response?, int, long, Response?> s_injectStatic = InjectStatic;

    // The answer, passed through inject with the servlet's version and the console line the page begins at; a
    // completed answer without an async hop, and no closure per request.
    private static ValueTask<Response?> Then(ValueTask<Response?> pending, IReloadingServlet servlet, long since, Func<Response?, int, long, Response?> inject)
        => pending.IsCompletedSuccessfully ? new(inject(pending.Result, servlet.VersionNumber, since)) : ThenAsync(pending, servlet, since, inject);

    private static async ValueTask<Response?> ThenAsync(ValueTask<Response?> pending, IReloadingServlet servlet, long since, Func<Response?, int, long, Response?> inject)
        => inject(await pending.ConfigureAwait(false), servlet.VersionNumber, since);

    /// <summary>
    /// Adds the listening script to the whole HTML pages (200) that static files answer. Such a page is no longer the
    /// file: its length, validators and caching go (a cached copy would carry an old version's script and reload forever).
    /// </summary>
    internal static Dispatcher WrapStatic(IReloadingServlet servlet, Dispatcher files) => request => Then(files(request), servlet, -1, s_injectStatic);

    private static readonly HashSet<string> s_fileHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Length", "Accept-Ranges", "ETag", "Cache-Control",
    };

    private static Response? InjectStatic(Response? response, int version, long since)
        => response is { Code: 200 } && response.Mime?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true
            ? Inject(new Response
            {
                Code = response.Code, Message = response.Message, Mime = response.Mime, Output = response.Output,
                Headers = [.. response.Headers.Where(h => !s_fileHeaders.Contains(h.Field)), new Header("Cache-Control", "no-store")],
            }, version, since)
            : response;

    // The script: reload when the servlet's version changes (a page with a retry panel gets an event instead, and
    // decides), and say in the next page's console what the reload did; for a changed static file, swap a stylesheet
    // in place (those at that path, or all the page's own if none is: an @import) or reload for anything else; print
    // the server's console lines for this machine's tabs. Storage may be refused (a page framed by another site, as
    // the browser REPL frames the servlet): then the next page just does not say what the reload did.
    // The static files' burst count is remembered: one that changed while the stream was away means a missed save.
    private static string Script(int version, long since) =>
        "<script>(()=>{let st=null;try{st=sessionStorage;}catch{}const r=st?.getItem(\"devserve.reloaded\");if(r){st.removeItem(\"devserve.reloaded\");console.info(\"[devserve] \"+r);}"
        + "const s=new EventSource(\"" + EventsPath + (since >= 0 ? "?log=" + since : "") + "\");let seen;"
        + "s.onmessage=e=>{const m=JSON.parse(e.data);if(m.v===" + version + ")return;"
        + "if(document.querySelector('meta[name=\"devserve-retry\"]')){if(m.text)console.info(\"[devserve] \"+m.text);dispatchEvent(new CustomEvent(\"devserve:swap\",{detail:m}));return;}"
        + "if(m.text)st?.setItem(\"devserve.reloaded\",m.text);s.close();location.reload();};"
        + "s.addEventListener(\"log\",e=>{const m=JSON.parse(e.data);(m.error?console.warn:console.log)(m.tag+\" \"+m.text);});"
        + "s.addEventListener(\"statics\",e=>{if(seen!==undefined&&e.data!==seen&&!s.handled){s.close();location.reload();}seen=e.data;s.handled=false;});"
        + "s.addEventListener(\"static\",e=>{s.handled=true;if(!e.data.endsWith(\".css\")){s.close();location.reload();return;}"
        + "const links=[...document.querySelectorAll('link[rel~=\"stylesheet\"]')].map(l=>[l,new URL(l.href,location.href)])"
        + ".filter(([,u])=>u.origin===location.origin);"
        + "const hit=links.filter(([,u])=>u.pathname===e.data);"
        + "for(const [l,u] of(hit.length?hit:links)){u.searchParams.set(\"devserve\",Date.now());l.href=u.href;}});})();</script>";

    private static Response? Inject(Response? response, int version, long since)
    {
        if (response is null || response.Mime?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) != true
            || response.Headers.Any(h => h.Field.Equals("Content-Encoding", StringComparison.OrdinalIgnoreCase)
                || h.Field.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)))
        {
            return response;   // not HTML, compressed, or framed by the servlet itself: leave it alone
        }
        var script = Encoding.UTF8.GetBytes(Script(version, since));
        var output = response.Output;
        return new Response
        {
            Code = response.Code,
            Message = response.Message,
            Seconds = response.Seconds,
            Mime = response.Mime,
            Headers = response.Headers,
            Output = async stream =>
            {
                await using var page = new BeforeBodyEndStream(stream, script);
                await output(page).ConfigureAwait(false);
                await page.FinishAsync().ConfigureAwait(false);
            },
        };
    }

    private static Response Events(IReloadingServlet servlet, StaticFilesWatcher? statics, BrowserConsole? console, Request request) => Response.Streamed(async stream =>
    {
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(request.Aborted);
        lifetime.CancelAfter(s_streamLifetime);
        // The server's console goes only to tabs on this machine: it is the terminal's, shown in another window.
        if (console is not null && !LocalEndpoint.IsLoopback(request.ClientIp))
        {
            console = null;
        }
        // A reconnecting stream says the last line it got; a new one, the line its page began at.
        var logged = long.TryParse(request.Header("Last-Event-ID"), out var last) ? last
            : long.TryParse(request.Bindings["log"], out var since) ? since : console?.Sequence ?? 0;
        try
        {
            // The static files' burst count too: a tab that reconnects after missing one reloads.
            var seen = statics?.Bursts ?? 0;
            var sent = servlet.VersionNumber;
            await stream.WriteAsync(Encoding.UTF8.GetBytes($"retry: 300\ndata: {Version(servlet, sent)}\n\nevent: statics\ndata: {seen}\n\n"
                + Lines(console, ref logged)), lifetime.Token).ConfigureAwait(false);
            await stream.FlushAsync(lifetime.Token).ConfigureAwait(false);
            var never = new TaskCompletionSource<IReadOnlyList<string>>().Task;
            while (true)
            {
                // What to wait for is read before what is looked at: a swap or a line in between is not missed.
                var swap = servlet.NextSwap;
                var changed = statics?.NextChange ?? never;
                var written = console?.Written ?? never;
                if (servlet.VersionNumber == sent && (console is null || console.Sequence <= logged))
                {
                    await Task.WhenAny(swap, changed, written).WaitAsync(lifetime.Token).ConfigureAwait(false);
                }
                var message = Lines(console, ref logged);
                if (servlet.VersionNumber is var number && number != sent)
                {
                    // The version now (several swaps may have come at once), whether it serves, what the reload said.
                    message += $"data: {Version(servlet, number)}\n\n";
                    sent = number;
                }
                if (changed.IsCompleted)
                {
                    var paths = await changed.ConfigureAwait(false);
                    var now = statics!.Bursts;
                    // More than one burst since the last: the paths of the others are gone, so the tab reloads ("*").
                    message += string.Concat((now - seen > 1 ? ["*"] : paths).Select(path => $"event: static\ndata: {path}\n\n"))
                        + $"event: statics\ndata: {now}\n\n";
                    seen = now;
                }
                if (message.Length > 0)
                {
                    await stream.WriteAsync(Encoding.UTF8.GetBytes(message), lifetime.Token).ConfigureAwait(false);
                    await stream.FlushAsync(lifetime.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The stream's time is up or the client left: the browser reconnects by itself.
        }
    }, mime: "text/event-stream", headers: [new Header("Cache-Control", "no-store")]);

    // A version message: its number, and for a reload whether it compiled and what the terminal said of it.
    // A servlet that reports no reloads (the REPL's) is taken to serve: its swaps are definitions that ran.
    private static string Version(IReloadingServlet servlet, int number) => servlet.LastReload is { } report && report.Version == number
        ? JsonSerializer.Serialize(new { v = number, ok = report.Compiled, text = report.Text })
        : JsonSerializer.Serialize(new { v = number, ok = true });

    // The console lines after logged, each with its number as the event id (so a reconnect goes on from there).
    private static string Lines(BrowserConsole? console, ref long logged)
    {
        if (console is null)
        {
            return "";
        }
        var text = new StringBuilder();
        foreach (var entry in console.Since(logged))
        {
            text.Append("id: ").Append(entry.Sequence).Append("\nevent: log\ndata: ")
                .Append(JsonSerializer.Serialize(new { tag = entry.Tag, error = entry.Error, text = entry.Text })).Append("\n\n");
            logged = entry.Sequence;
        }
        return text.ToString();
    }
}
