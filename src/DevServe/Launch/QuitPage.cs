using System.Net;
using System.Security.Cryptography;

namespace DevServe;

public static partial class Launch
{
    /// <summary>
    /// A dispatcher for <c>/quit</c>: GET shows a page with a button; the button POSTs a token made for this launch,
    /// and only that POST answers "Server Stopped" and releases <paramref name="semaphore"/>.
    /// </summary>
    /// <remarks>
    /// Racket's <c>/quit</c> stops on any request; here a form on another site (or a prefetching browser) cannot
    /// stop the server, because it cannot know the token, and a POST whose <c>Origin</c> is another site is refused
    /// even with it.
    /// </remarks>
    public static Dispatcher QuitPage(SemaphoreSlim semaphore, string path = "/quit")
    {
        ArgumentNullException.ThrowIfNull(semaphore);
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var released = 0;
        return request =>
        {
            if (request.Path != path)
            {
                return Dispatchers.NextDispatcher;
            }
            if (request.Method == "POST" && SameOrigin(request) && request.Bindings["token"] is { } sent
                && CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(sent), System.Text.Encoding.ASCII.GetBytes(token)))
            {
                if (Interlocked.Exchange(ref released, 1) == 0)
                {
                    semaphore.Release();
                }
                return new(Response.Html("<!DOCTYPE html><html><head><title>Server Stopped</title></head>"
                    + "<body><h1>Server Stopped</h1><p>The Web server has stopped. You can close this tab.</p></body></html>"));
            }
            var refused = request.Method == "POST"
                ? "<p>That request did not carry this server's quit token, so the server keeps running.</p>"
                : "";
            return new(Response.Html("<!DOCTYPE html><html><head><title>Stop the server?</title></head><body>"
                + $"<h1>Stop the server?</h1>{refused}<form method=\"post\" action=\"{WebUtility.HtmlEncode(path)}\">"
                + $"<input type=\"hidden\" name=\"token\" value=\"{token}\"><button type=\"submit\">Stop the Web server</button></form>"
                + "</body></html>", request.Method == "POST" ? 403 : 200));
        };
    }

    /// <summary>Whether a state-changing request came from this server's own pages: no <c>Origin</c>, or one naming the same host and port.</summary>
    internal static bool SameOrigin(Request request)
        => request.Header("Origin") is not { } origin
            || (Uri.TryCreate(origin, UriKind.Absolute, out var from) && request.Header("Host") is { } host
                && string.Equals(from.Authority, host, StringComparison.OrdinalIgnoreCase));
}
