using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DevServe.Internal;

/// <summary>One Kestrel listener serving a dispatcher: started in the background, stopped gracefully then at once.</summary>
/// <remarks>Racket: one <c>serve</c> call (listener thread, server custodian and its shutdown thunk).</remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001:Types that own disposable fields should be disposable",
    Justification = "The two sources have no timer or wait handle to release, and a stop call may come at any time: they live as long as the server.")]
internal sealed class RunningServer
{
    private readonly CancellationTokenSource _now = new();
    private readonly CancellationTokenSource _stopRequested = new();
    private readonly Task<(IServer Server, ServiceProvider Services)?> _started;
    private readonly SafetyLimits _limits;
    private readonly object _gate = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<ConnectionContext, byte> _connections = new();
    private Task? _stopping;

    private RunningServer(Dispatcher dispatch, ChannelWriter<ServeConfirmation>? confirmation, bool connectionClose,
        Tls? tls, string? ip, int port, SafetyLimits limits, ILoggerFactory loggerFactory, X509Certificate2? certificate)
    {
        _limits = limits;
        _started = StartAsync(dispatch, confirmation, connectionClose, tls, ip, port, limits, loggerFactory, certificate);
    }

    public static RunningServer Start(Dispatcher dispatch, ChannelWriter<ServeConfirmation>? confirmation, bool connectionClose,
        Tls? tls, string? ip, int port, SafetyLimits limits, ILoggerFactory loggerFactory, X509Certificate2? certificate = null)
        => new(dispatch, confirmation, connectionClose, tls, ip, port, limits, loggerFactory, certificate);

    private async Task<(IServer Server, ServiceProvider Services)?> StartAsync(Dispatcher dispatch, ChannelWriter<ServeConfirmation>? confirmation,
        bool connectionClose, Tls? tls, string? listenIp, int port, SafetyLimits limits, ILoggerFactory loggerFactory,
        X509Certificate2? givenCertificate)
    {
        await Task.Yield();   // Serve returns at once; binding happens on the thread pool
        ServiceProvider? services = null;
        try
        {
            var ip = await ListenAddress.ResolveAsync(listenIp).ConfigureAwait(false);
            var certificate = givenCertificate ?? (tls is null ? null : LoadCertificate(tls));
            // Lives as long as the server's connections, which may release it after a stop; no wait handle is ever made.
#pragma warning disable CA2000
            var concurrency = new SemaphoreSlim(limits.MaxConcurrent);
#pragma warning restore CA2000
            void Listen(ListenOptions listen)
            {
                // Racket stops accepting at max-concurrent and lets the backlog hold the rest; Kestrel would refuse
                // them, so accepted connections wait here for a slot instead.
                listen.Use(next => async connection =>
                {
                    _connections.TryAdd(connection, 0);   // from the start: a stop at once aborts the waiting ones too
                    try
                    {
                        try
                        {
                            await concurrency.WaitAsync(connection.ConnectionClosed).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException)
                        {
                            return;   // the client gave up while waiting for a slot: nothing to serve, nothing to report
                        }
                        try
                        {
                            if (!_now.IsCancellationRequested)
                            {
                                await next(connection).ConfigureAwait(false);
                            }
                        }
                        finally
                        {
                            concurrency.Release();
                        }
                    }
                    finally
                    {
                        _connections.TryRemove(connection, out _);
                    }
                });
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
            }
            (var server, services) = KestrelFactory.Create(loggerFactory, limits.MaxWaiting, options =>
            {
                ApplyLimits(options, limits);
                if (ip is null)
                {
                    options.ListenAnyIP(port, Listen);
                }
                else
                {
                    options.Listen(ip, port, Listen);
                }
            });
            var logger = loggerFactory.CreateLogger("DevServe.Server");
            await server.StartAsync(new ServerApplication(dispatch, limits, connectionClose, certificate is not null, logger), _now.Token)
                .ConfigureAwait(false);
            _ = ConfirmAsync(confirmation, new ServeConfirmation(BoundPort(server) ?? port, null), loggerFactory);
            return (server, services);
        }
        catch (Exception e)
        {
            if (services is not null)
            {
                await services.DisposeAsync().ConfigureAwait(false);
            }
            _ = ConfirmAsync(confirmation, new ServeConfirmation(null, e), loggerFactory);
            return null;
        }
    }

    /// <summary>
    /// Posts the confirmation, waiting for room as Racket's <c>async-channel-put</c> does (a bounded channel of one
    /// holds one of several ports' confirmations at a time); stopping the server gives up waiting.
    /// </summary>
    private async Task ConfirmAsync(ChannelWriter<ServeConfirmation>? confirmation, ServeConfirmation confirmed, ILoggerFactory loggerFactory)
    {
        try
        {
            if (confirmation is not null)
            {
                // Room now: delivered even if the server is already being stopped (stop(), then read, must not hang).
                if (!confirmation.TryWrite(confirmed))
                {
                    await confirmation.WriteAsync(confirmed, _stopRequested.Token).ConfigureAwait(false);
                }
                return;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
        }
        if (confirmed.Error is { } error)
        {
            loggerFactory.CreateLogger("DevServe.Server").CouldNotListen(error, error.Message);
        }
    }

    private static void ApplyLimits(KestrelServerOptions options, SafetyLimits limits)
    {
        options.AddServerHeader = false;
        var k = options.Limits;
        k.KeepAliveTimeout = limits.RequestReadTimeout;
        k.RequestHeadersTimeout = limits.RequestReadTimeout;
        // Kestrel counts the request line with its CRLF; Racket without.
        k.MaxRequestLineSize = limits.MaxRequestLineLength + 2;
        // Racket fails at header index > max (0-based), so max + 1 headers pass.
        k.MaxRequestHeaderCount = limits.MaxRequestHeaders + 1;
        k.MaxRequestHeadersTotalSize = (int)Math.Min(int.MaxValue, (long)(limits.MaxRequestHeaders + 1) * limits.MaxRequestHeaderLength);
        // Kestrel refuses to start when its per-connection buffer bound is below the header bound: raise it with them.
        k.MaxRequestBufferSize = Math.Max(k.MaxRequestBufferSize ?? 0, (long)k.MaxRequestHeadersTotalSize + k.MaxRequestLineSize);
        k.MaxRequestBodySize = limits.MaxRequestBodyLength;
        k.MaxConcurrentConnections = null;
        k.MaxConcurrentUpgradedConnections = null;
    }

    private static X509Certificate2 LoadCertificate(Tls tls)
    {
        using var pem = X509Certificate2.CreateFromPemFile(tls.CertificatePath, tls.KeyPath);
        // SslStream wants a key it can use on every platform: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    private static int? BoundPort(IServer server)
    {
        foreach (var address in server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
        {
            var colon = address.LastIndexOf(':');
            if (colon > 0 && int.TryParse(address.AsSpan(colon + 1).TrimEnd('/'), out var port))
            {
                return port;
            }
        }
        return null;
    }

    /// <summary>
    /// The first call stops accepting and waits for requests in flight up to the grace period, then aborts them;
    /// a second (or concurrent) call aborts every connection at once. Both return when the server has stopped, or,
    /// once a second call came, as soon as no connection is left open and nothing is accepted (a handler that ignores
    /// <see cref="Request.Aborted"/> may still be running: .NET cannot kill it as Racket kills its thread, but its
    /// writes fail).
    /// </summary>
    public Task StopAsync()
    {
        lock (_gate)
        {
            if (_stopping is null)
            {
                _stopRequested.Cancel();   // nobody will read a confirmation now
                _stopping = StopCoreAsync();
                return _stopping;
            }
        }
        _now.Cancel();
        return _stopping;   // it completes once the connections are aborted (StopCoreAsync)
    }

    private async Task StopCoreAsync()
    {
        if (await _started.ConfigureAwait(false) is not var (server, services))
        {
            return;
        }
        var stopped = StopKestrelAsync(server, services);
        var now = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (_now.Token.Register(() => now.TrySetResult()))
        {
            if (await Task.WhenAny(stopped, now.Task).ConfigureAwait(false) == stopped)
            {
                await stopped.ConfigureAwait(false);
                return;
            }
        }
        // Stop now: every connection closes at once. Kestrel then waits up to a second for handlers that ignore the
        // abort, and disposes its services after that, in the background.
        foreach (var connection in _connections.Keys)
        {
            connection.Abort(new ConnectionAbortedException("The server is stopping now."));
        }
        await Task.WhenAny(stopped, Task.Delay(TimeSpan.FromMilliseconds(100))).ConfigureAwait(false);
    }

    private async Task StopKestrelAsync(IServer server, ServiceProvider services)
    {
        using var grace = CancellationTokenSource.CreateLinkedTokenSource(_now.Token);
        grace.CancelAfter(_limits.ShutdownGracePeriod);
        try
        {
            await server.StopAsync(grace.Token).ConfigureAwait(false);
        }
        finally
        {
            await services.DisposeAsync().ConfigureAwait(false);
        }
    }
}
