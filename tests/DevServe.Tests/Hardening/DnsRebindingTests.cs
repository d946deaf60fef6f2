using System.Net;
using System.Text.RegularExpressions;

namespace DevServe.Tests.Hardening;

/// <summary>A server bound to loopback answers only names of this machine, so a rebound page cannot read it or quit it.</summary>
public sealed partial class DnsRebindingTests
{
    [GeneratedRegex("value=\"([0-9a-f]+)\"")]
    private static partial Regex Token();

    private sealed class Launched : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _serving;

        public Launched(IEnumerable<string>? trusted = null)
        {
            var url = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _serving = Launch.ServeLaunchWait(semaphore => Dispatchers.Sequencer(Launch.QuitPage(semaphore),
                    Dispatchers.Lift(_ => Response.Html("<p>private page</p>"))),
                port: 0, output: TextWriter.Null, cancellationToken: _stop.Token, started: url.SetResult, trustedHosts: trusted,
                loggerFactory: TestLog.Quiet);
            Port = new Uri(url.Task.WaitAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult()).Port;
            Serving = _serving;
        }

        public int Port { get; }

        public Task Serving { get; }

        public async Task<string> Raw(string method, string path, string host, string extra = "", string body = "")
        {
            using var connection = RawConnection.Open(Port);
            await connection.SendAsync($"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n{extra}"
                + $"Content-Length: {body.Length}\r\n\r\n{body}");
            return await connection.ReadToEndAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _serving.WaitAsync(TimeSpan.FromSeconds(15));
            _stop.Dispose();
        }
    }

    [Theory]
    [InlineData("evil.example")]
    [InlineData("evil.example:{port}")]
    [InlineData("localhost.evil.example")]
    [InlineData("127.0.0.1.nip.io")]
    public async Task A_foreign_host_name_gets_421_and_no_page(string host)
    {
        await using var server = new Launched();
        var answer = await server.Raw("GET", "/", host.Replace("{port}", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.StartsWith("HTTP/1.1 421 ", answer);
        Assert.DoesNotContain("private page", answer);
        var quit = await server.Raw("GET", "/quit", host);
        Assert.DoesNotMatch(Token(), quit);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("LOCALHOST:{port}")]
    [InlineData("127.0.0.1:{port}")]
    [InlineData("[::1]:{port}")]
    [InlineData("app.localhost")]
    public async Task Names_of_this_machine_are_answered(string host)
    {
        await using var server = new Launched();
        var answer = await server.Raw("GET", "/", host.Replace("{port}", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.StartsWith("HTTP/1.1 200 ", answer);
        Assert.Contains("private page", answer);
    }

    [Fact]
    public async Task A_trusted_host_name_is_answered()
    {
        await using var server = new Launched(["dev.example.test"]);
        Assert.StartsWith("HTTP/1.1 200 ", await server.Raw("GET", "/", "Dev.Example.Test:8000"));
        Assert.StartsWith("HTTP/1.1 421 ", await server.Raw("GET", "/", "other.example.test"));
    }

    [Fact]
    public async Task A_quit_post_from_another_origin_is_refused_even_with_the_token()
    {
        await using var server = new Launched();
        var host = $"localhost:{server.Port}";
        var token = Token().Match(await server.Raw("GET", "/quit", host)).Groups[1].Value;
        var refused = await server.Raw("POST", "/quit", host, "Origin: http://evil.example\r\nContent-Type: application/x-www-form-urlencoded\r\n",
            "token=" + token);
        Assert.StartsWith("HTTP/1.1 403 ", refused);
        Assert.False(server.Serving.IsCompleted);
        var stopped = await server.Raw("POST", "/quit", host, $"Origin: http://{host}\r\nContent-Type: application/x-www-form-urlencoded\r\n",
            "token=" + token);
        Assert.Contains("Server Stopped", stopped);
        await server.Serving.WaitAsync(TimeSpan.FromSeconds(15));
    }
}
