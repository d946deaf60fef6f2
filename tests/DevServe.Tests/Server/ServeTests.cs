using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace DevServe.Tests;

public sealed class ServeTests
{
    private static readonly Dispatcher s_hello = Dispatchers.Lift(_ => Response.Text("hello"));

    [Fact]
    public async Task Port_zero_binds_a_free_port_reported_on_the_confirmation_channel()
    {
        await using var server = await LoopbackServer.StartAsync(s_hello);
        Assert.NotEqual(0, server.Port);
        Assert.Equal("hello", await server.Client.GetStringAsync("/"));
    }

    [Fact]
    public async Task A_busy_port_is_reported_as_an_error_on_the_confirmation_channel()
    {
        using var occupier = new TcpListener(IPAddress.Loopback, 0);
        occupier.Start();
        var port = ((IPEndPoint)occupier.LocalEndpoint).Port;
        var confirmation = Channel.CreateBounded<ServeConfirmation>(1);
        var stop = Server.Serve(s_hello, confirmation.Writer, port: port, listenIp: "127.0.0.1", loggerFactory: TestLog.Quiet);
        var result = await confirmation.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Null(result.Port);
        Assert.NotNull(result.Error);
        Assert.Contains("address already in use", result.Error!.ToString(), StringComparison.OrdinalIgnoreCase);
        await Task.Run(stop).WaitAsync(TimeSpan.FromSeconds(5));   // stopping a server that never started is harmless
    }

    [Fact]
    public async Task When_every_dispatcher_passes_the_answer_is_404()
    {
        await using var server = await LoopbackServer.StartAsync(_ => Dispatchers.NextDispatcher);
        var response = await server.Client.GetAsync("/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("Not Found", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_throwing_dispatcher_gets_500_and_a_log_line()
    {
        var log = new TestLog();
        await using var server = await LoopbackServer.StartAsync(
            Dispatchers.Lift(new Func<Request, Response>(_ => throw new InvalidOperationException("boom: bad"))), loggerFactory: log.Factory());
        var response = await server.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("Internal Server Error", await response.Content.ReadAsStringAsync());
        await log.FirstError.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Contains(log.Lines, l => l.Contains("boom: bad"));
    }

    [Fact]
    public async Task Stop_with_no_connections_returns_within_a_second()
    {
        var server = await LoopbackServer.StartAsync(s_hello);
        await server.Client.GetStringAsync("/");
        Assert.True(await server.StopAsync() < TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<HttpRequestException>(() => server.Client.GetStringAsync("/"));
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Graceful_stop_lets_a_response_in_flight_finish()
    {
        // Racket's graceful-shutdown e2e: a stream of 0..4 with pauses, stop() called once headers are out.
        var headersSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var dispatch = Dispatchers.Lift(_ => Response.Streamed(async output =>
        {
            for (var i = 0; i < 5; i++)
            {
                await output.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"{i}\n"));
                headersSent.TrySetResult();
                await Task.Delay(200);
            }
        }, mime: "text/plain"));
        // A grace period far longer than the stream: the stop must end when the stream does (Racket's serve-tests
        // "stops when in-progress requests stop": within 3 s), not when the grace period runs out.
        var server = await LoopbackServer.StartAsync(dispatch, limits: new SafetyLimits { ShutdownGracePeriod = TimeSpan.FromSeconds(30) });
        using var connection = server.Connect();
        await connection.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await headersSent.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var stopping = server.StopAsync();
        var text = await connection.ReadToEndAsync();
        Assert.StartsWith("HTTP/1.1 200 OK", text);
        Assert.EndsWith("2\r\n0\n\r\n2\r\n1\n\r\n2\r\n2\n\r\n2\r\n3\n\r\n2\r\n4\n\r\n0\r\n\r\n", text);
        var took = await stopping;
        Assert.True(took < TimeSpan.FromSeconds(3), $"stop took {took}");
        await server.DisposeAsync();
    }

    [Fact]
    public async Task A_second_stop_call_stops_at_once()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var dispatch = Dispatchers.Lift(_ => Response.Streamed(async output =>
        {
            await output.WriteAsync("start\n"u8.ToArray());
            started.TrySetResult();
            await Task.Delay(TimeSpan.FromSeconds(100));
        }, mime: "text/plain"));
        var server = await LoopbackServer.StartAsync(dispatch, limits: new SafetyLimits { ShutdownGracePeriod = TimeSpan.FromSeconds(60) });
        using var connection = server.Connect();
        await connection.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var first = server.StopAsync();
        var second = server.StopAsync();
        // Racket kills the handler at once; .NET cannot, but the second call closes every connection and returns.
        Assert.True(await second < TimeSpan.FromMilliseconds(500), $"the second stop took {await second}");
        Assert.True(await first < TimeSpan.FromSeconds(3));
        var text = await connection.ReadToEndAsync();
        // The body may or may not have left before the abort; either way it must not look complete (no last chunk).
        var body = text.IndexOf("start", StringComparison.Ordinal) is >= 0 and var at ? text[at..] : text;
        Assert.DoesNotContain("0\r\n\r\n", body);
        await server.DisposeAsync();
    }

    [Fact]
    public async Task ServePorts_serves_every_port_and_one_action_stops_them_all()
    {
        var confirmation = Channel.CreateUnbounded<ServeConfirmation>();
        var stop = Server.ServePorts(s_hello, [0, 0], confirmation.Writer, listenIp: "127.0.0.1", loggerFactory: TestLog.Quiet);
        var ports = new List<int>();
        for (var i = 0; i < 2; i++)
        {
            var c = await confirmation.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            ports.Add(c.Port ?? throw c.Error!);
        }
        Assert.NotEqual(ports[0], ports[1]);
        using var client = new HttpClient();
        foreach (var port in ports)
        {
            Assert.Equal("hello", await client.GetStringAsync($"http://127.0.0.1:{port}/"));
        }
        await Task.Run(stop).WaitAsync(TimeSpan.FromSeconds(10));
        foreach (var port in ports)
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync($"http://127.0.0.1:{port}/"));
        }
    }

    [Fact]
    public async Task ServeIpsPorts_binds_each_address_it_is_given()
    {
        var confirmation = Channel.CreateUnbounded<ServeConfirmation>();
        var stop = Server.ServeIpsPorts(s_hello, [("127.0.0.1", [0]), ("::1", [0])], confirmation.Writer, loggerFactory: TestLog.Quiet);
        try
        {
            var v4 = await confirmation.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            var v6 = await confirmation.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            var ports = new[] { v4, v6 }.Where(c => c.Port is not null).Select(c => c.Port!.Value).ToList();
            Assert.NotEmpty(ports);   // a machine without IPv6 loopback reports that address as an error
            using var client = new HttpClient();
            foreach (var port in ports)
            {
                // Confirmations arrive in either order: each port answers on the address it was bound to, and only there.
                var answers = new List<string>();
                foreach (var host in new[] { "127.0.0.1", "[::1]" })
                {
                    try
                    {
                        answers.Add(host + " " + await client.GetStringAsync($"http://{host}:{port}/"));
                    }
                    catch (HttpRequestException)
                    {
                    }
                }
                Assert.Equal("hello", Assert.Single(answers).Split(' ')[1]);
            }
        }
        finally
        {
            await Task.Run(stop).WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public async Task ListenIp_null_listens_on_every_address()
    {
        var confirmation = Channel.CreateBounded<ServeConfirmation>(1);
        var stop = Server.Serve(s_hello, confirmation.Writer, port: 0, listenIp: null, loggerFactory: TestLog.Quiet);
        try
        {
            var c = await confirmation.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            using var client = new HttpClient();
            Assert.Equal("hello", await client.GetStringAsync($"http://127.0.0.1:{c.Port ?? throw c.Error!}/"));
        }
        finally
        {
            await Task.Run(stop).WaitAsync(TimeSpan.FromSeconds(10));
        }
    }
}
