using System.Text;

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
    /// <paramref name="statics"/> sees change: an open tab swaps a changed stylesheet in place (its state kept) and
    /// reloads for any other file.
    /// </summary>
    internal static Dispatcher Wrap(IReloadingServlet servlet, Dispatcher inner, StaticFilesWatcher? statics)
    {
        ArgumentNullException.ThrowIfNull(servlet);
        ArgumentNullException.ThrowIfNull(inner);
        return request =>
        {
            if (request.Path == EventsPath)
            {
                return new(Events(servlet, statics, request));
            }
            return Then(inner(request), servlet, Inject);
        };
    }

    // The answer, passed through inject with the servlet's version; a completed answer without an async hop.
    private static ValueTask<Response?> Then(ValueTask<Response?> pending, IReloadingServlet servlet, Func<Response?, int, Response?> inject)
        => pending.IsCompletedSuccessfully ? new(inject(pending.Result, servlet.VersionNumber)) : ThenAsync(pending, servlet, inject);

    private static async ValueTask<Response?> ThenAsync(ValueTask<Response?> pending, IReloadingServlet servlet, Func<Response?, int, Response?> inject)
        => inject(await pending.ConfigureAwait(false), servlet.VersionNumber);

    /// <summary>
    /// Adds the listening script to the whole HTML pages (200) that static files answer. Such a page is no longer the
    /// file: its length, validators and caching go (a cached copy would carry an old version's script and reload forever).
    /// </summary>
    internal static Dispatcher WrapStatic(IReloadingServlet servlet, Dispatcher files) => request => Then(files(request), servlet, InjectStatic);

    private static readonly HashSet<string> s_fileHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Length", "Accept-Ranges", "ETag", "Cache-Control",
    };

    private static Response? InjectStatic(Response? response, int version)
        => response is { Code: 200 } && response.Mime?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true
            ? Inject(new Response
            {
                Code = response.Code, Message = response.Message, Mime = response.Mime, Output = response.Output,
                Headers = [.. response.Headers.Where(h => !s_fileHeaders.Contains(h.Field)), new Header("Cache-Control", "no-store")],
            }, version)
            : response;

    // The script: reload when the servlet's version changes; for a changed static file, swap a stylesheet in place
    // (those at that path, or all the page's own if none is: an @import) or reload for anything else.
    // The static files' burst count is remembered: one that changed while the stream was away means a missed save.
    private static string Script(int version) =>
        "<script>(()=>{const s=new EventSource(\"" + EventsPath + "\");let seen;"
        + "s.onmessage=e=>{if(e.data!==\"" + version + "\"){s.close();location.reload();}};"
        + "s.addEventListener(\"statics\",e=>{if(seen!==undefined&&e.data!==seen&&!s.handled){s.close();location.reload();}seen=e.data;s.handled=false;});"
        + "s.addEventListener(\"static\",e=>{s.handled=true;if(!e.data.endsWith(\".css\")){s.close();location.reload();return;}"
        + "const links=[...document.querySelectorAll('link[rel~=\"stylesheet\"]')].map(l=>[l,new URL(l.href,location.href)])"
        + ".filter(([,u])=>u.origin===location.origin);"
        + "const hit=links.filter(([,u])=>u.pathname===e.data);"
        + "for(const [l,u] of(hit.length?hit:links)){u.searchParams.set(\"devserve\",Date.now());l.href=u.href;}});})();</script>";

    private static Response? Inject(Response? response, int version)
    {
        if (response is null || response.Mime?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) != true
            || response.Headers.Any(h => h.Field.Equals("Content-Encoding", StringComparison.OrdinalIgnoreCase)
                || h.Field.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)))
        {
            return response;   // not HTML, compressed, or framed by the servlet itself: leave it alone
        }
        var script = Encoding.UTF8.GetBytes(Script(version));
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

    private static Response Events(IReloadingServlet servlet, StaticFilesWatcher? statics, Request request) => Response.Streamed(async stream =>
    {
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(request.Aborted);
        lifetime.CancelAfter(s_streamLifetime);
        try
        {
            // The static files' burst count too: a tab that reconnects after missing one reloads.
            var seen = statics?.Bursts ?? 0;
            await stream.WriteAsync(Encoding.UTF8.GetBytes($"retry: 300\ndata: {servlet.VersionNumber}\n\nevent: statics\ndata: {seen}\n\n"),
                lifetime.Token).ConfigureAwait(false);
            await stream.FlushAsync(lifetime.Token).ConfigureAwait(false);
            var never = new TaskCompletionSource<IReadOnlyList<string>>().Task;
            while (true)
            {
                var swap = servlet.NextSwap;
                var changed = statics?.NextChange ?? never;
                await Task.WhenAny(swap, changed).WaitAsync(lifetime.Token).ConfigureAwait(false);
                string message;
                if (swap.IsCompleted)
                {
                    message = $"data: {await swap.ConfigureAwait(false)}\n\n";
                }
                else
                {
                    var paths = await changed.ConfigureAwait(false);
                    var now = statics!.Bursts;
                    // More than one burst since the last: the paths of the others are gone, so the tab reloads ("*").
                    message = string.Concat((now - seen > 1 ? ["*"] : paths).Select(path => $"event: static\ndata: {path}\n\n"))
                        + $"event: statics\ndata: {now}\n\n";
                    seen = now;
                }
                await stream.WriteAsync(Encoding.UTF8.GetBytes(message), lifetime.Token).ConfigureAwait(false);
                await stream.FlushAsync(lifetime.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The stream's time is up or the client left: the browser reconnects by itself.
        }
    }, mime: "text/event-stream", headers: [new Header("Cache-Control", "no-store")]);
}
