using System.Net;
using System.Threading.Channels;

namespace DevServe.Tests.Hardening;

/// <summary>Protocol and API details from the hostile-input campaign.</summary>
public sealed class ProtocolTests
{
    private static readonly Dispatcher s_echo = Dispatchers.Lift(r => Response.Text($"{r.Method} {r.PostData?.Length ?? -1}"));

    [Theory]
    [InlineData("100000000")]
    [InlineData("FFFFFFFFFFFFFFFFFF")]
    [InlineData("zz")]
    public async Task A_bad_chunk_size_gets_400(string size)
    {
        await using var server = await LoopbackServer.StartAsync(s_echo);
        var answer = await server.RawAsync($"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{size}\r\nabc\r\n0\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400 ", answer);
    }

    [Fact]
    public async Task CONNECT_gets_501_and_never_the_servlet()
    {
        await using var server = await LoopbackServer.StartAsync(s_echo);
        var answer = await server.RawAsync("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 501 ", answer);
        Assert.DoesNotContain("CONNECT -1", answer);
    }

    [Fact]
    public async Task ServePorts_waits_for_room_on_a_bounded_confirmation_channel()
    {
        var confirmation = Channel.CreateBounded<ServeConfirmation>(1);
        var stop = Server.ServePorts(s_echo, [0, 0, 0], confirmation.Writer, listenIp: "127.0.0.1", loggerFactory: TestLog.Quiet);
        try
        {
            var ports = new HashSet<int>();
            for (var i = 0; i < 3; i++)
            {
                var confirmed = await confirmation.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
                ports.Add(confirmed.Port ?? throw confirmed.Error!);
            }
            Assert.Equal(3, ports.Count);
        }
        finally
        {
            await Task.Run(stop).WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public async Task Stopping_before_anyone_reads_the_confirmations_does_not_hang()
    {
        var confirmation = Channel.CreateBounded<ServeConfirmation>(1);
        var stop = Server.ServePorts(s_echo, [0, 0], confirmation.Writer, listenIp: "127.0.0.1", loggerFactory: TestLog.Quiet);
        await Task.Run(stop).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_confirmation_is_delivered_even_when_the_server_was_stopped_before_anyone_read_it()
    {
        var confirmation = Channel.CreateBounded<ServeConfirmation>(1);
        var stop = Server.Serve(s_echo, confirmation.Writer, port: 0, listenIp: "127.0.0.1", loggerFactory: TestLog.Quiet);
        await Task.Run(stop).WaitAsync(TimeSpan.FromSeconds(10));
        var confirmed = await confirmation.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(confirmed.Port is not null || confirmed.Error is not null);
    }

    [Fact]
    public async Task A_host_name_is_resolved_for_listening()
    {
        var confirmation = Channel.CreateBounded<ServeConfirmation>(1);
        var stop = Server.Serve(s_echo, confirmation.Writer, port: 0, listenIp: "localhost", loggerFactory: TestLog.Quiet);
        try
        {
            var confirmed = await confirmation.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.NotNull(confirmed.Port);
        }
        finally
        {
            await Task.Run(stop).WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public async Task An_unresolvable_host_name_is_reported_on_the_confirmation_channel()
    {
        var confirmation = Channel.CreateBounded<ServeConfirmation>(1);
        var stop = Server.Serve(s_echo, confirmation.Writer, port: 0, listenIp: "no-such-host.invalid", loggerFactory: TestLog.Quiet);
        var confirmed = await confirmation.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Null(confirmed.Port);
        Assert.Contains("no-such-host.invalid", confirmed.Error!.Message);
        await Task.Run(stop).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_backlog_of_zero_is_accepted()
    {
        await using var server = await LoopbackServer.StartAsync(s_echo, limits: SafetyLimits.Make(maxWaiting: 0));
        Assert.Equal("GET -1", await server.Client.GetStringAsync("/"));
    }

    [Fact]
    public async Task A_fractional_request_read_timeout_is_honoured_within_kestrels_second()
    {
        await using var server = await LoopbackServer.StartAsync(s_echo,
            limits: SafetyLimits.Make(511, TimeSpan.FromSeconds(1.5)));
        using var connection = server.Connect();
        await connection.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n");   // the headers never end
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var answer = await connection.ReadToEndAsync(TimeSpan.FromSeconds(10));
        Assert.StartsWith("HTTP/1.1 408 ", answer);
        Assert.InRange(watch.Elapsed.TotalSeconds, 1.4, 4.0);
    }
}
