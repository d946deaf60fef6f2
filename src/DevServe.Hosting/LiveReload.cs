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
    public static Dispatcher Wrap(IReloadingServlet servlet, Dispatcher inner)
    {
        ArgumentNullException.ThrowIfNull(servlet);
        ArgumentNullException.ThrowIfNull(inner);
        return request =>
        {
            if (request.Path == EventsPath)
            {
                return new(Events(servlet, request));
            }
            var pending = inner(request);
            return pending.IsCompletedSuccessfully
                ? new(Inject(pending.Result, servlet.VersionNumber))   // completed: no async hop
                : InjectAsync(pending, servlet);
        };
    }

    private static async ValueTask<Response?> InjectAsync(ValueTask<Response?> pending, IReloadingServlet servlet)
        => Inject(await pending.ConfigureAwait(false), servlet.VersionNumber);

    private static Response? Inject(Response? response, int version)
    {
        if (response is null || response.Mime?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) != true
            || response.Headers.Any(h => h.Field.Equals("Content-Encoding", StringComparison.OrdinalIgnoreCase)
                || h.Field.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)))
        {
            return response;   // not HTML, compressed, or framed by the servlet itself: leave it alone
        }
        var script = Encoding.UTF8.GetBytes(
            $"<script>(()=>{{const s=new EventSource(\"{EventsPath}\");s.onmessage=e=>{{if(e.data!==\"{version}\"){{s.close();location.reload();}}}};}})();</script>");
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

    private static Response Events(IReloadingServlet servlet, Request request) => Response.Streamed(async stream =>
    {
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(request.Aborted);
        lifetime.CancelAfter(s_streamLifetime);
        try
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes($"retry: 300\ndata: {servlet.VersionNumber}\n\n"), lifetime.Token).ConfigureAwait(false);
            await stream.FlushAsync(lifetime.Token).ConfigureAwait(false);
            while (true)
            {
                var version = await servlet.NextSwap.WaitAsync(lifetime.Token).ConfigureAwait(false);
                await stream.WriteAsync(Encoding.UTF8.GetBytes($"data: {version}\n\n"), lifetime.Token).ConfigureAwait(false);
                await stream.FlushAsync(lifetime.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The stream's time is up or the client left: the browser reconnects by itself.
        }
    }, mime: "text/event-stream", headers: [new Header("Cache-Control", "no-store")]);
}
