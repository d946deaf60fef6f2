using System.Net;
using System.Net.Sockets;

namespace DevServe.Internal;

/// <summary>What a <c>listenIp</c> names, decided once at start-up.</summary>
internal static class ListenAddress
{
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
        if (listenIp.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        if (IPAddress.TryParse(listenIp, out var address))
        {
            return IPAddress.IsLoopback(address);
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
}
