namespace DevServe;

public static partial class Dispatchers
{
    /// <summary>Dispatches on the host: <paramref name="lookup"/> gets the lower-cased host and returns the dispatcher for it.</summary>
    /// <remarks>
    /// Racket: <c>make</c> in dispatchers/dispatch-host.rkt. The host is the URL's host when the request line was
    /// absolute, else the <c>Host</c> header's value (with its <c>:port</c>), else "none".
    /// </remarks>
    public static Dispatcher Host(Func<string, Dispatcher> lookup)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        return request => lookup(HostOf(request))(request);
    }

    internal static string HostOf(Request request)
    {
        var header = request.Header("Host");
        return (header is { Length: > 0 } ? header : "none").ToLowerInvariant();
    }
}
