using System.Net.Http;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace DevServe.Tests;

/// <summary>A real server on 127.0.0.1 and a free port, with a client pointed at it; disposing stops it.</summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private readonly Action _stop;
    private bool _stopped;

    private LoopbackServer(Action stop, int port)
    {
        _stop = stop;
        Port = port;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public int Port { get; }

    public HttpClient Client { get; }

    public static async Task<LoopbackServer> StartAsync(Dispatcher dispatch, SafetyLimits? limits = null,
        bool connectionClose = false, ILoggerFactory? loggerFactory = null, Tls? tls = null)
    {
        var confirmation = Channel.CreateBounded<ServeConfirmation>(1);
        var stop = Server.Serve(dispatch, confirmationChannel: confirmation.Writer, port: 0, listenIp: "127.0.0.1",
            safetyLimits: limits, connectionClose: connectionClose, loggerFactory: loggerFactory ?? TestLog.Quiet, tls: tls);
        return await ConfirmedAsync(stop, confirmation.Reader);
    }

    /// <summary>A whole configured site (<see cref="Server.ServeWebConfig"/>) on 127.0.0.1 and a free port.</summary>
    public static async Task<LoopbackServer> StartSiteAsync(WebConfig config, IServletLoader? loader = null)
    {
        var confirmation = Channel.CreateBounded<ServeConfirmation>(1);
        var stop = Server.ServeWebConfig(config with { Port = 0, ListenIp = "127.0.0.1" }, servletLoader: loader,
            confirmationChannel: confirmation.Writer, loggerFactory: TestLog.Quiet);
        return await ConfirmedAsync(stop, confirmation.Reader);
    }

    private static async Task<LoopbackServer> ConfirmedAsync(Action stop, ChannelReader<ServeConfirmation> confirmation)
    {
        var started = await confirmation.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        return started is { Port: int port } ? new LoopbackServer(stop, port)
            : throw started.Error ?? new InvalidOperationException("Serve confirmed neither a port nor an error.");
    }

    /// <summary>Stops the server on a worker thread (the stop action blocks) and returns how long it took.</summary>
    public async Task<TimeSpan> StopAsync()
    {
        _stopped = true;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Task.Run(_stop).WaitAsync(TimeSpan.FromSeconds(30));
        return watch.Elapsed;
    }

    public RawConnection Connect() => RawConnection.Open(Port);

    /// <summary>Sends <paramref name="request"/> as raw bytes on a new connection and returns all the server sends back.</summary>
    public async Task<string> RawAsync(string request)
    {
        using var connection = Connect();
        await connection.SendAsync(request);
        return await connection.ReadToEndAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_stopped)
        {
            await StopAsync();
        }
    }
}
