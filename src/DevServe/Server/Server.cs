using System.Net;
using System.Threading.Channels;
using DevServe.Internal;
using Microsoft.Extensions.Logging;

namespace DevServe;

/// <summary>Starts web servers on Kestrel: <c>serve</c>, <c>serve/ports</c>, <c>serve/ips+ports</c>, <c>do-not-return</c>.</summary>
/// <remarks>
/// Racket: web-server.rkt. Each call returns at once with a stop action; the bound port (or the error) arrives on
/// the confirmation channel. The stop action blocks until the server has stopped: the first call stops accepting
/// and lets requests in flight finish within <see cref="SafetyLimits.ShutdownGracePeriod"/>, a second (or
/// concurrent) call stops at once. Do not call it from inside a dispatcher; release a semaphore instead
/// (<c>Launch.ServeLaunchWait</c> does).
/// </remarks>
public static partial class Server
{
    private static readonly Lazy<ILoggerFactory> s_defaultLogging = new(() => LoggerFactory.Create(builder => builder
        .SetMinimumLevel(LogLevel.Information)
        .AddFilter("Microsoft", LogLevel.Warning)
        .AddSimpleConsole(o => o.SingleLine = true)
        .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)));

    /// <summary>Serves <paramref name="dispatch"/> on one port (Racket: <c>serve</c>).</summary>
    /// <param name="dispatch">Answers each request; a request it passes on gets 404.</param>
    /// <param name="confirmationChannel">Receives the bound port, or the error if listening failed.</param>
    /// <param name="connectionClose">Close every connection after one request.</param>
    /// <param name="tls">Serve HTTPS with this certificate and key.</param>
    /// <param name="port">The port; 0 binds a free one, reported on the confirmation channel.</param>
    /// <param name="listenIp">The address to bind; <c>null</c> binds every address (IPv4 and IPv6).</param>
    /// <param name="maxWaiting">The listen backlog; ignored when <paramref name="safetyLimits"/> is given.</param>
    /// <param name="initialConnectionTimeout">Seconds to read each request (and to wait on an idle connection); ignored when <paramref name="safetyLimits"/> is given.</param>
    /// <param name="safetyLimits">Every limit at once; <c>null</c> = Racket's defaults with the two values above.</param>
    /// <param name="loggerFactory">Where dispatcher failures and server errors are logged; <c>null</c> = standard error.</param>
    /// <returns>The stop action.</returns>
    public static Action Serve(Dispatcher dispatch, ChannelWriter<ServeConfirmation>? confirmationChannel = null,
        bool connectionClose = false, Tls? tls = null, int port = 80, string? listenIp = null,
        int maxWaiting = 511, int initialConnectionTimeout = 60, SafetyLimits? safetyLimits = null,
        ILoggerFactory? loggerFactory = null)
        => ServeIpsPorts(dispatch, [(listenIp, [port])], confirmationChannel, connectionClose, tls,
            maxWaiting, initialConnectionTimeout, safetyLimits, loggerFactory);

    /// <summary>Serves <paramref name="dispatch"/> on several ports with one stop action (Racket: <c>serve/ports</c>).</summary>
    /// <remarks>Each port is its own server and posts its own confirmation.</remarks>
    /// <param name="dispatch">Answers each request; a request it passes on gets 404.</param>
    /// <param name="ports">The ports.</param>
    /// <param name="confirmationChannel">Receives the bound port, or the error if listening failed.</param>
    /// <param name="connectionClose">Close every connection after one request.</param>
    /// <param name="tls">Serve HTTPS with this certificate and key.</param>
    /// <param name="listenIp">The address to bind; <c>null</c> binds every address (IPv4 and IPv6).</param>
    /// <param name="maxWaiting">The listen backlog; ignored when <paramref name="safetyLimits"/> is given.</param>
    /// <param name="initialConnectionTimeout">Seconds to read each request (and to wait on an idle connection); ignored when <paramref name="safetyLimits"/> is given.</param>
    /// <param name="safetyLimits">Every limit at once; <c>null</c> = Racket's defaults with the two values above.</param>
    /// <param name="loggerFactory">Where dispatcher failures and server errors are logged; <c>null</c> = standard error.</param>
    /// <returns>The stop action for all of them.</returns>
    public static Action ServePorts(Dispatcher dispatch, IEnumerable<int> ports,
        ChannelWriter<ServeConfirmation>? confirmationChannel = null, bool connectionClose = false, Tls? tls = null,
        string? listenIp = null, int maxWaiting = 511, int initialConnectionTimeout = 60,
        SafetyLimits? safetyLimits = null, ILoggerFactory? loggerFactory = null)
        => ServeIpsPorts(dispatch, [(listenIp, ports)], confirmationChannel, connectionClose, tls,
            maxWaiting, initialConnectionTimeout, safetyLimits, loggerFactory);

    /// <summary>Serves <paramref name="dispatch"/> on several addresses and ports with one stop action (Racket: <c>serve/ips+ports</c>).</summary>
    /// <param name="dispatch">Answers each request; a request it passes on gets 404.</param>
    /// <param name="ipsPorts">Each address (<c>null</c> = all) with its ports.</param>
    /// <param name="confirmationChannel">Receives the bound port, or the error if listening failed.</param>
    /// <param name="connectionClose">Close every connection after one request.</param>
    /// <param name="tls">Serve HTTPS with this certificate and key.</param>
    /// <param name="maxWaiting">The listen backlog; ignored when <paramref name="safetyLimits"/> is given.</param>
    /// <param name="initialConnectionTimeout">Seconds to read each request (and to wait on an idle connection); ignored when <paramref name="safetyLimits"/> is given.</param>
    /// <param name="safetyLimits">Every limit at once; <c>null</c> = Racket's defaults with the two values above.</param>
    /// <param name="loggerFactory">Where dispatcher failures and server errors are logged; <c>null</c> = standard error.</param>
    /// <returns>The stop action for all of them.</returns>
    public static Action ServeIpsPorts(Dispatcher dispatch, IEnumerable<(string? Ip, IEnumerable<int> Ports)> ipsPorts,
        ChannelWriter<ServeConfirmation>? confirmationChannel = null, bool connectionClose = false, Tls? tls = null,
        int maxWaiting = 511, int initialConnectionTimeout = 60, SafetyLimits? safetyLimits = null,
        ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(dispatch);
        ArgumentNullException.ThrowIfNull(ipsPorts);
        var limits = safetyLimits ?? SafetyLimits.Make(maxWaiting, initialConnectionTimeout);
        var logging = loggerFactory ?? s_defaultLogging.Value;
        var endpoints = ipsPorts.SelectMany(e => (e.Ports ?? throw new ArgumentNullException(nameof(ipsPorts))).Select(p => (e.Ip, Port: p))).ToArray();
        foreach (var (_, p) in endpoints)
        {
            if (p is < 0 or > 65535)
            {
                throw new ArgumentOutOfRangeException(nameof(ipsPorts), p, "A port is between 0 and 65535.");
            }
        }
        var servers = endpoints
            .Select(e => RunningServer.Start(dispatch, confirmationChannel, connectionClose, tls, e.Ip, e.Port, limits, logging))
            .ToArray();
        // Blocking is this action's contract (Racket's shutdown thunk returns when the server is down).
        return () => Task.WhenAll(servers.Select(s => s.StopAsync())).GetAwaiter().GetResult();
    }

    /// <summary>Blocks the calling thread forever (Racket: <c>do-not-return</c>), for programs whose servers run in the background.</summary>
    public static void DoNotReturn() => Thread.Sleep(Timeout.Infinite);

}
