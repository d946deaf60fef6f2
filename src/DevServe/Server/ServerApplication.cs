using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Abstractions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using BadHttpRequestException = Microsoft.AspNetCore.Http.BadHttpRequestException;

namespace DevServe.Internal;

/// <summary>The bridge between Kestrel and a <see cref="Dispatcher"/>: read the request, dispatch, write the response.</summary>
/// <remarks>
/// Racket: the connection loop of private/dispatch-server-with-connect-unit.rkt and <c>output-response/method</c>.
/// Unlike bare Racket <c>serve</c>, a request no dispatcher answers gets 404 and one whose dispatcher throws gets
/// 500 and a log line, never an empty reply.
/// </remarks>
internal sealed class ServerApplication(Dispatcher dispatch, SafetyLimits limits, bool connectionClose, bool https, ILogger logger)
    : IHttpApplication<ServerApplication.ConnectionContext>
{
    private static readonly StringValues s_close = "close";
    private static readonly StringValues s_server = "DevServe";
    private readonly ResponseWaits? _waits = limits.ResponseTimeout == Timeout.InfiniteTimeSpan ? null : new ResponseWaits(limits.ResponseTimeout);

    // Kestrel keeps one context per connection for us to reuse (as ASP.NET Core's own hosting layer does).
    public ConnectionContext CreateContext(IFeatureCollection contextFeatures)
    {
        if (contextFeatures is IHostContextContainer<ConnectionContext> container)
        {
            if (container.HostContext is { } reused)
            {
                reused.Http.Initialize(contextFeatures);
                return reused;
            }
            return container.HostContext = new ConnectionContext(new DefaultHttpContext(contextFeatures));
        }
        return new ConnectionContext(new DefaultHttpContext(contextFeatures));
    }

    public void DisposeContext(ConnectionContext context, Exception? exception) => context.Http.Uninitialize();

    public async Task ProcessRequestAsync(ConnectionContext connection)
    {
        var context = connection.Http;
        if (HttpMethods.IsConnect(context.Request.Method))
        {
            // Not a proxy: a CONNECT tunnel is never the servlet's business.
            await WriteAsync(context, ErrorPages.Status(501, "This server does not tunnel (CONNECT)."), close: true).ConfigureAwait(false);
            return;
        }
        Request request;
        try
        {
            request = await RequestReader.ReadAsync(context, limits, https).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e)
        {
            logger.BadRequest(context.Connection.RemoteIpAddress, e.Message);
            // The rest of the body is unread: close rather than parse garbage as the next request.
            await WriteAsync(context, ErrorPages.Status(e.StatusCode, e.Message), close: true).ConfigureAwait(false);
            return;
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
            return;   // the client went away mid-body; nobody is left to answer
        }
        catch (Exception e) when (e is IOException or InvalidDataException or OverflowException or FormatException)
        {
            // A body Kestrel could not frame (a chunk size past 2^32, a body cut short): without an answer Kestrel
            // would send an empty 200.
            logger.UnreadableBody(context.Connection.RemoteIpAddress, e.Message);
            await WriteAsync(context, ErrorPages.Status(400, "The request body could not be read: " + e.Message), close: true).ConfigureAwait(false);
            return;
        }

        Response? response;
        try
        {
            var pending = dispatch(request);
            response = pending.IsCompletedSuccessfully ? pending.Result : await WithTimeout(connection, pending).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            if (connection.Waiter is { Retired: true })
            {
                connection.Waiter = null;   // it may yet be handed the late answer: not kept while the connection idles
            }
            logger.NoResponseInTime(request.Method, request.Uri, limits.ResponseTimeout);
            response = ErrorPages.Status(503, $"The server did not answer within {limits.ResponseTimeout.TotalSeconds:0.#} s.");
        }
        catch (Exception e) when (!context.RequestAborted.IsCancellationRequested || e is not OperationCanceledException)
        {
            logger.DispatcherThrew(e, request.Method, request.Uri);
            response = ErrorPages.Status(500, "The server failed to answer this request; the server log says why.");
        }
        catch (OperationCanceledException)
        {
            ReleaseUploads(request);
            return;
        }
        if (response?.Body is not null)
        {
            ReleaseUploads(request);   // the body is made: gone before the client can see the answer, not just after
        }
        try
        {
            await WriteAsync(context, response ?? ErrorPages.NotFound, connectionClose).ConfigureAwait(false);
        }
        finally
        {
            ReleaseUploads(request);   // a body written as it goes may read them until here (disposing twice is nothing)
        }
    }

    /// <summary>
    /// Deletes the request's spooled uploads now, rather than whenever a finalizer runs, unless a servlet received the
    /// request: then they go when its flow lets go of the request.
    /// </summary>
    private static void ReleaseUploads(Request request)
    {
        if (request.UploadsKept)
        {
            return;
        }
        foreach (var part in request.Bindings.Parts ?? [])
        {
            part.File?.Release();
        }
    }

    // Awaited in place (no async method of its own): the connection's waiter, reused while its waits end in answers.
    private ValueTask<Response?> WithTimeout(ConnectionContext connection, ValueTask<Response?> pending)
    {
        if (_waits is null || pending.IsCompleted)
        {
            return pending;
        }
        if (connection.Waiter is not { Retired: false } waiter)
        {
            connection.Waiter = waiter = _waits.NewWaiter();
        }
        return waiter.WaitAsync(pending);
    }

    /// <summary>Kestrel's context for one connection's requests (HTTP/2: one stream's), with what DevServe reuses across them.</summary>
    internal sealed class ConnectionContext(DefaultHttpContext http)
    {
        /// <summary>The request in ASP.NET Core's terms, reinitialized for each.</summary>
        public DefaultHttpContext Http { get; } = http;

        /// <summary>Waits for dispatchers' answers; a new one after a wait that timed out.</summary>
        public ResponseWaits.Waiter? Waiter { get; set; }
    }

    private async Task WriteAsync(HttpContext context, Response response, bool close)
    {
        var http = context.Response;
        if (http.HasStarted)
        {
            return;
        }
        http.StatusCode = response.Code;
        context.Features.GetRequiredFeature<IHttpResponseFeature>().ReasonPhrase = response.Message;
        var headers = http.Headers;
        var fields = response.Headers;
        for (var i = 0; i < fields.Count; i++)   // by index: a foreach over the interface would allocate an enumerator
        {
            var field = fields[i];
            headers.Append(field.Field, field.Value);
        }
        // Racket's order of defaults, each only when the response did not set it.
        if (!headers.ContainsKey("Server"))
        {
            headers.Server = s_server;
        }
        if (!headers.ContainsKey("Last-Modified"))
        {
            headers.LastModified = HttpDate.Format(response.Seconds);
        }
        if (response.Mime is not null && !headers.ContainsKey("Content-Type"))
        {
            headers.ContentType = response.Mime;
        }
        if (close)
        {
            headers.Connection = s_close;
        }
        var head = HttpMethods.IsHead(context.Request.Method);
        if (response.Body is { } body)
        {
            headers.ContentLength = body.Length;
            if (!head && body.Length > 0)
            {
                await http.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
            }
            return;
        }
        if (head)
        {
            return;
        }
        try
        {
            await using var output = new ClientBodyStream(http.Body, context.RequestAborted);   // disposing it leaves Kestrel's stream open
            await response.Output(output).ConfigureAwait(false);
        }
        catch (Exception e) when (!http.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            logger.OutputFailed(e, context.Request.Method, context.Request.Path.Value ?? "");
            http.Clear();
            await WriteAsync(context, ErrorPages.Status(500, "The server failed to write this response; the server log says why."), close)
                .ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Half a body is out: end the connection without the final chunk, so the client sees the failure.
            if (!context.RequestAborted.IsCancellationRequested)
            {
                logger.OutputFailedMidway(e, context.Request.Method, context.Request.Path.Value ?? "");
            }
            context.Abort();
        }
    }
}
