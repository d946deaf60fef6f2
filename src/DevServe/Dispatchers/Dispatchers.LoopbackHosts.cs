using System.Net;
using DevServe.Internal;

namespace DevServe;

public static partial class Dispatchers
{
    /// <summary>
    /// Hands <paramref name="inner"/> only requests whose <c>Host</c> names this machine (<c>localhost</c>,
    /// <c>*.localhost</c>, a loopback address such as <c>127.0.0.1</c> or <c>[::1]</c>) or one of
    /// <paramref name="trustedHosts"/>; any other <c>Host</c> gets 421 Misdirected Request.
    /// </summary>
    /// <param name="inner">The site.</param>
    /// <param name="trustedHosts">More host names to answer (without port), compared case-insensitively.</param>
    /// <remarks>
    /// Not in Racket. A server bound to loopback is still reachable from a web page through DNS rebinding: the page's
    /// own name (<c>evil.example</c>) is made to resolve to 127.0.0.1, and the browser then sends
    /// <c>Host: evil.example</c>. Refusing such names keeps every page, and the quit token in them, out of its reach.
    /// A request without <c>Host</c> (HTTP/1.0) passes: browsers always send one.
    /// </remarks>
    public static Dispatcher LoopbackHosts(Dispatcher inner, IEnumerable<string>? trustedHosts = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        // "Dev.Example:8000." and "dev.example" are one name: compare names as a Host header's would be.
        var trusted = new HashSet<string>((trustedHosts ?? []).Select(HostName), StringComparer.OrdinalIgnoreCase);
        return request => request.Header("Host") is not { } host || HostName(host) is var name && (IsLoopbackHost(name) || trusted.Contains(name))
            ? inner(request)
            : new(ErrorPages.Status(421, "This server answers only requests addressed to this machine (localhost), "
                + "or to the host names it was told to trust."));
    }

    /// <summary>The name part of a <c>Host</c> value: "[::1]:8000" → "::1", "Example.com:80" → "Example.com".</summary>
    internal static string HostName(string host)
    {
        host = host.Trim();
        if (host.StartsWith('['))
        {
            var close = host.IndexOf(']');
            return close < 0 ? host : host[1..close];
        }
        var colon = host.LastIndexOf(':');
        return (colon < 0 ? host : host[..colon]).TrimEnd('.');   // "localhost." is localhost
    }

    /// <summary>Whether a host name or address names this machine: localhost, *.localhost (RFC 6761), a loopback address.</summary>
    internal static bool IsLoopbackHost(string name)
        => name.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(name, out var address) && IPAddress.IsLoopback(address));
}
