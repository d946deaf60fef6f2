using System.Net;
using System.Net.Sockets;

namespace DevServe.Internal;

/// <summary>What a <c>listenIp</c> names: every address (<c>null</c>), <c>localhost</c>, an IP, or a host name.</summary>
internal static class ListenAddress
{
    /// <summary>The address to bind: <c>null</c> = every address; an IP as it is; a host name resolved (IPv4 first).</summary>
    /// <exception cref="IOException">The name resolves to nothing.</exception>
    public static async Task<IPAddress?> ResolveAsync(string? listenIp)
    {
        if (listenIp is null)
        {
            return null;
        }
        if (TryLiteral(listenIp, out var literal))
        {
            return literal;
        }
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(listenIp).ConfigureAwait(false);
            return addresses.OrderBy(a => a.AddressFamily != AddressFamily.InterNetwork).FirstOrDefault()
                ?? throw new IOException($"The listen address '{listenIp}' resolves to no address.");
        }
        catch (SocketException e)
        {
            throw new IOException($"The listen address '{listenIp}' could not be resolved: {e.Message}", e);
        }
    }

    /// <summary>
    /// Whether the server will listen on loopback only: "localhost" (any case), a loopback address, or a host name all
    /// of whose addresses are loopback (Debian maps the machine's own name to 127.0.1.1). <c>null</c> (every address)
    /// and names that do not resolve are not.
    /// </summary>
    public static bool IsLoopback(string? listenIp)
    {
        if (listenIp is null)
        {
            return false;
        }
        if (TryLiteral(listenIp, out var literal))
        {
            return IPAddress.IsLoopback(literal);
        }
        try
        {
            return Dns.GetHostAddresses(listenIp) is { Length: > 0 } addresses && addresses.All(IPAddress.IsLoopback);
        }
        catch (Exception e) when (e is SocketException or ArgumentException)
        {
            return false;   // the server will report it cannot listen there
        }
    }

    /// <summary>The address a listenIp names without asking a name server: "localhost" (any case) or an IP.</summary>
    private static bool TryLiteral(string listenIp, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address)
    {
        if (listenIp.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            address = IPAddress.Loopback;
            return true;
        }
        return IPAddress.TryParse(listenIp, out address);
    }
}
