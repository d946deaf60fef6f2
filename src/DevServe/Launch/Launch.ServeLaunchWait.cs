using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using DevServe.Internal;
using Microsoft.Extensions.Logging;

namespace DevServe;

public static partial class Launch
{
    /// <summary>
    /// Serves the dispatcher <paramref name="makeDispatcher"/> builds around a semaphore, prints Racket's banner, opens
    /// the browser at <paramref name="launchPath"/>, and completes once the semaphore is released (or
    /// <paramref name="cancellationToken"/> fires, as Ctrl+C does): then the server stops, letting the last responses
    /// leave, and "Web Server stopped." is printed.
    /// </summary>
    /// <param name="makeDispatcher">Builds the dispatcher; releasing the semaphore it gets (a quit page) ends the wait.</param>
    /// <param name="connectionClose">Close every connection after one request.</param>
    /// <param name="launchPath">The path to open in a browser, or <c>null</c> for none.</param>
    /// <param name="banner">Print the banner and the stop line.</param>
    /// <param name="listenIp">The address to bind; <c>null</c> = every address.</param>
    /// <param name="port">The port; 0 = a free one (the banner shows it).</param>
    /// <param name="sslCert">A PEM certificate: HTTPS when given with <paramref name="sslKey"/>.</param>
    /// <param name="sslKey">The PEM private key.</param>
    /// <param name="safetyLimits">The server's limits; <c>null</c> = Racket's defaults.</param>
    /// <param name="output">Where the banner goes; <c>null</c> = standard output.</param>
    /// <param name="loggerFactory">The server's logging; <c>null</c> = standard error.</param>
    /// <param name="cancellationToken">Ends the wait like the semaphore does.</param>
    /// <param name="started">Called with the server's base URL (e.g. <c>http://localhost:8000</c>) once it listens.</param>
    /// <param name="trustedHosts">
    /// Bound to loopback, the server answers only <c>Host</c> values naming this machine (see
    /// <see cref="Dispatchers.LoopbackHosts"/>) and these names; others get 421.
    /// </param>
    /// <returns>A task that completes once the server has stopped.</returns>
    /// <exception cref="IOException">The server could not listen (for example, the port is in use); the banner says why first.</exception>
    /// <remarks>
    /// Racket returns normally when the server cannot start; this task faults instead, so a command can exit non-zero.
    /// Racket sleeps 2 s before stopping so the final response can leave; the graceful stop waits for it instead.
    /// </remarks>
    public static async Task ServeLaunchWait(Func<SemaphoreSlim, Dispatcher> makeDispatcher, bool connectionClose = false,
        string? launchPath = null, bool banner = false, string? listenIp = "127.0.0.1", int port = 8000,
        string? sslCert = null, string? sslKey = null, SafetyLimits? safetyLimits = null, TextWriter? output = null,
        ILoggerFactory? loggerFactory = null, Action<string>? started = null, IEnumerable<string>? trustedHosts = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(makeDispatcher);
        output ??= Console.Out;
        using var semaphore = new SemaphoreSlim(0);
        var tls = sslCert is not null && sslKey is not null ? new Tls(sslCert, sslKey) : null;
        var confirmation = Channel.CreateBounded<ServeConfirmation>(1);
        var dispatcher = makeDispatcher(semaphore);
        if (ListenAddress.IsLoopback(listenIp))
        {
            dispatcher = Dispatchers.LoopbackHosts(dispatcher, trustedHosts);
        }
        var stop = Server.Serve(dispatcher, confirmation.Writer, connectionClose, tls, port, listenIp,
            safetyLimits: safetyLimits ?? SafetyLimits.Make(), loggerFactory: loggerFactory);
        var confirmed = await confirmation.Reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
        if (confirmed.Port is not int bound)
        {
            if (banner)
            {
                await Console.Error.WriteLineAsync("There was an error starting the Web server.").ConfigureAwait(false);
                if (IsAddressInUse(confirmed.Error))
                {
                    await Console.Error.WriteLineAsync($"\tThe TCP port ({port}) is already in use.").ConfigureAwait(false);
                }
                else if (confirmed.Error is { } error)
                {
                    await Console.Error.WriteLineAsync("\t" + error.Message).ConfigureAwait(false);
                }
            }
            throw new IOException($"The server could not listen on port {port}: {confirmed.Error?.Message}", confirmed.Error);
        }
        var url = ServerUrl(tls is not null, bound) + (launchPath ?? "");
        if (launchPath is not null)
        {
            Browser.Open(url, output);
        }
        if (banner)
        {
            await output.WriteLineAsync($"Your Web application is running at {url}.").ConfigureAwait(false);
            await output.WriteLineAsync("Stop this program at any time to terminate the Web Server.").ConfigureAwait(false);
            await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        started?.Invoke(ServerUrl(tls is not null, bound));
        // Ctrl+C and SIGTERM end the wait like the quit page does, as Racket's serve/launch/wait does on a break,
        // whether or not the program installed handlers of its own.
        using var signalled = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using (OnSignal(PosixSignal.SIGINT, signalled))
        using (OnSignal(PosixSignal.SIGTERM, signalled))
        {
            try
            {
                await semaphore.WaitAsync(signalled.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (signalled.IsCancellationRequested)
            {
            }
        }
        if (banner)
        {
            await output.WriteLineAsync().ConfigureAwait(false);
            await output.WriteLineAsync("Web Server stopped.").ConfigureAwait(false);
            await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        await Task.Run(stop, CancellationToken.None).ConfigureAwait(false);   // blocks until requests in flight are done; stops even when cancelled
    }

    /// <summary>Racket's server URL: <c>http[s]://localhost</c>, with the port unless it is the scheme's own.</summary>
    internal static string ServerUrl(bool https, int port)
        => (https ? "https://localhost" : "http://localhost") + ((https ? port == 443 : port == 80) ? "" : ":" + port);

    /// <summary>Cancels <paramref name="stop"/> on <paramref name="signal"/> instead of ending the process; <c>null</c> where signals are not supported.</summary>
    private static PosixSignalRegistration? OnSignal(PosixSignal signal, CancellationTokenSource stop)
    {
        try
        {
            return PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                stop.Cancel();
            });
        }
        catch (PlatformNotSupportedException)
        {
            return null;
        }
    }

    private static bool IsAddressInUse(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } or Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                return true;
            }
        }
        return false;
    }
}
