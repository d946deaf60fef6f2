using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace DevServe.Tests;

/// <summary>The async-first face over serve: Server.StartAsync, RunningWebServer, StopAsync and DisposeAsync.</summary>
public sealed class StartAsyncTests
{
    private static readonly Dispatcher s_hello = Dispatchers.Lift(_ => Response.Text("hello"));

    private static ServeOptions Loopback(params int[] ports) => new()
    {
        ListenIp = "127.0.0.1", Ports = ports.Length == 0 ? [0] : ports, LoggerFactory = TestLog.Quiet,
    };

    [Fact]
    public async Task StartAsync_returns_once_listening_with_the_bound_ports_and_urls()
    {
        await using var server = await Server.StartAsync(s_hello, Loopback(0, 0));
        Assert.Equal(2, server.Ports.Count);
        Assert.NotEqual(server.Ports[0], server.Ports[1]);
        using var client = new HttpClient();
        foreach (var url in server.Urls)
        {
            Assert.Equal("hello", await client.GetStringAsync(url));
        }
        Assert.Equal($"http://127.0.0.1:{server.Ports[0]}/", server.Urls[0].ToString());
    }

    [Fact]
    public async Task A_busy_port_is_an_exception_from_StartAsync()
    {
        using var occupier = new TcpListener(IPAddress.Loopback, 0);
        occupier.Start();
        var port = ((IPEndPoint)occupier.LocalEndpoint).Port;
        var error = await Assert.ThrowsAsync<IOException>(() => Server.StartAsync(s_hello, Loopback(port)));
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
        Assert.IsType<Microsoft.AspNetCore.Connections.AddressInUseException>(error.InnerException, exactMatch: false);
    }

    [Fact]
    public async Task Disposing_stops_the_server()
    {
        Uri url;
        await using (var server = await Server.StartAsync(s_hello, Loopback()))
        {
            url = server.Urls[0];
        }
        using var client = new HttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync(url));
    }

    [Fact]
    public async Task StopAsync_waits_for_a_request_in_flight_and_a_cancelled_token_aborts_at_once()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slow = Dispatchers.Lift(_ => Response.Streamed(async output =>
        {
            await output.WriteAsync("start\n"u8.ToArray());
            started.TrySetResult();
            await Task.Delay(TimeSpan.FromSeconds(100));
        }, mime: "text/plain"));
        var server = await Server.StartAsync(slow, Loopback() with { SafetyLimits = new SafetyLimits { ShutdownGracePeriod = TimeSpan.FromSeconds(60) } });
        using var connection = RawConnection.Open(server.Ports[0]);
        await connection.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        using var patience = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await server.StopAsync(patience.Token).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.InRange(watch.Elapsed.TotalSeconds, 0.25, 1.0);
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Https_from_an_X509Certificate2()
    {
        using var dir = new TempDirectory();
        var pem = TestCertificates.WritePem(dir.Path);
        using var certificate = X509Certificate2.CreateFromPemFile(pem.CertificatePath, pem.KeyPath);
        await using var server = await Server.StartAsync(s_hello, Loopback() with { Certificate = certificate });
        Assert.Equal("https", server.Urls[0].Scheme);
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var client = new HttpClient(handler);
        Assert.Equal("hello", await client.GetStringAsync(server.Urls[0]));
    }

    [Fact]
    public async Task DoNotReturnAsync_completes_when_its_token_fires()
    {
        using var stop = new CancellationTokenSource();
        var waiting = Server.DoNotReturnAsync(stop.Token);
        Assert.False(waiting.IsCompleted);
        await stop.CancelAsync();
        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
