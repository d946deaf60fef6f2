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
    private static readonly DeferredLoggerFactory s_defaultLogging = new();

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
        var logging = loggerFactory ?? s_defaultLogging;
        var endpoints = ipsPorts.SelectMany(e => (e.Ports ?? throw new ArgumentNullException(nameof(ipsPorts))).Select(p => (e.Ip, Port: p))).ToArray();
        foreach (var (_, p) in endpoints)
        {
            CheckPort(p, nameof(ipsPorts));
        }
        var servers = endpoints
            .Select(e => RunningServer.Start(dispatch, confirmationChannel, connectionClose, tls, e.Ip, e.Port, limits, logging))
            .ToArray();
        // Blocking is this action's contract (Racket's shutdown thunk returns when the server is down).
        return () => Task.WhenAll(servers.Select(s => s.StopAsync())).GetAwaiter().GetResult();
    }

    private static void CheckPort(int port, string parameter)
    {
        if (port is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(parameter, port, "A port is between 0 and 65535.");
        }
    }

    /// <summary>Blocks the calling thread forever (Racket: <c>do-not-return</c>), for programs whose servers run in the background.</summary>
    public static void DoNotReturn() => Thread.Sleep(Timeout.Infinite);

    /// <summary>
    /// Completes when <paramref name="cancellationToken"/> fires (never, without one): <see cref="DoNotReturn"/> for
    /// async code, e.g. <c>await Server.DoNotReturnAsync(stopping)</c> with a token Ctrl+C cancels.
    /// </summary>
    public static Task DoNotReturnAsync(CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cancellationToken.Register(() => done.TrySetResult());
        return done.Task;
    }

    /// <summary>
    /// Starts serving <paramref name="dispatch"/> and completes once every port listens (the C# face of <c>serve</c>
    /// and <c>serve/ports</c>): <c>await using var server = await Server.StartAsync(dispatch, new() { Ports = [0] });</c>
    /// </summary>
    /// <param name="dispatch">Answers each request; a request it passes on gets 404.</param>
    /// <param name="options">Address, ports, TLS, limits, logging; <c>null</c> = Racket's defaults (every address, port 80).</param>
    /// <param name="cancellationToken">Gives up starting (the ports that did listen are closed).</param>
    /// <returns>The running server: its ports and URLs, <c>StopAsync</c> and <c>DisposeAsync</c>.</returns>
    /// <exception cref="IOException">A port could not be bound (in use: the inner exception is Kestrel's
    /// <c>AddressInUseException</c>), the address does not resolve, or the certificate cannot be read.</exception>
    public static async Task<RunningWebServer> StartAsync(Dispatcher dispatch, ServeOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dispatch);
        options ??= new ServeOptions();
        foreach (var p in options.Ports)
        {
            CheckPort(p, nameof(options));
        }
        var logging = options.LoggerFactory ?? s_defaultLogging;
        var confirmations = options.Ports.Select(_ => Channel.CreateBounded<ServeConfirmation>(1)).ToArray();
        var servers = options.Ports.Select((p, i) => RunningServer.Start(dispatch, confirmations[i].Writer, options.ConnectionClose,
            options.Tls, options.ListenIp, p, options.SafetyLimits, logging, options.Certificate)).ToArray();
        var ports = new int[servers.Length];
        try
        {
            for (var i = 0; i < servers.Length; i++)
            {
                var confirmed = await confirmations[i].Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                if (confirmed.Error is IOException io)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(io);   // Kestrel's own, naming the address
                }
                ports[i] = confirmed.Port ?? throw new IOException(
                    $"The server could not listen on port {options.Ports[i]}: {confirmed.Error?.Message}", confirmed.Error);
            }
        }
        catch
        {
            await Task.WhenAll(servers.Select(s => s.StopAsync())).ConfigureAwait(false);
            throw;
        }
        var scheme = options.Certificate is not null || options.Tls is not null ? "https" : "http";
        var host = options.ListenIp switch
        {
            null => "localhost",
            var ip when IPAddress.TryParse(ip, out var a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 => $"[{ip}]",
            var ip => ip,
        };
        return new RunningWebServer(servers, ports, [.. ports.Select(p => new Uri($"{scheme}://{host}:{p}/"))]);
    }

}
