using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace DevServe.Hosting;

/// <summary>
/// The checks DevServe's own state-changing endpoints make (open the editor, retry a request): a POST, from this
/// server's own pages, with this launch's token; some also only from this machine.
/// </summary>
internal static class LocalEndpoint
{
    /// <summary>The answer refusing <paramref name="request"/>, or <c>null</c> when it may go on.</summary>
    /// <param name="request">The request.</param>
    /// <param name="token">The token it must carry (form field <c>token</c>).</param>
    /// <param name="requireOrigin">Also refuse a request with no <c>Origin</c> and one from another machine.</param>
    public static Response? Refusal(Request request, string token, bool requireOrigin)
    {
        if (request.Method != "POST")
        {
            return Text(405, "Only POST.", new Header("Allow", "POST"));
        }
        // A loopback Host too: a page of another site whose name was rebound to this machine names its own host.
        if (requireOrigin && OnlyHere(request) is { } elsewhere)
        {
            return elsewhere;
        }
        if (!SameOrigin(request, requireOrigin))
        {
            return Text(403, "Only from this server's own pages.");
        }
        return HasToken(request, token) ? null : Text(403, "This request does not carry this server's token.");
    }

    /// <summary>Whether <paramref name="request"/> carries <paramref name="token"/> (a form or query field <c>token</c>).</summary>
    public static bool HasToken(Request request, string token)
        => request.Bindings["token"] is { } sent && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sent), Encoding.UTF8.GetBytes(token));

    /// <summary>The answer refusing a page meant for this machine alone (a non-loopback client or <c>Host</c>), or <c>null</c>.</summary>
    public static Response? OnlyHere(Request request)
        => IsLoopback(request.ClientIp) && IsLoopbackHost(request.Header("Host")) ? null : Text(403, "Only from this machine.");

    /// <summary>Whether the request came from this server's own pages: its <c>Origin</c> names this host and port (and no other site fetched it).</summary>
    public static bool SameOrigin(Request request, bool requireOrigin)
    {
        if (request.Header("Sec-Fetch-Site") is { } site && site is not ("same-origin" or "none"))
        {
            return false;
        }
        return request.Header("Origin") is not { } origin
            ? !requireOrigin
            : Uri.TryCreate(origin, UriKind.Absolute, out var from) && request.Header("Host") is { } host
                && string.Equals(from.Authority, host, StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsLoopbackHost(string? host)
        => host is not null && Uri.TryCreate("http://" + host, UriKind.Absolute, out var uri)
            && (uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || IsLoopback(uri.Host.Trim('[', ']')));

    /// <summary>Whether <paramref name="ip"/> is a loopback address.</summary>
    public static bool IsLoopback(string ip) => IPAddress.TryParse(ip, out var address) && IPAddress.IsLoopback(address);

    /// <summary>A short plain-text answer.</summary>
    public static Response Text(int code, string text, params Header[] headers)
        => Response.Text(text, code, headers: headers);
}
