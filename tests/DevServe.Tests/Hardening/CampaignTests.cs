using System.Net.Sockets;
using System.Text;
using static DevServe.Web;

namespace DevServe.Tests.Hardening;

/// <summary>
/// The hostile-input campaign, kept: malformed HTTP on raw sockets, a traversal matrix, and clients that vanish
/// mid-body and mid-conversation. Every answer is a 4xx (or a clean close), never a 5xx, a hang or a logged error.
/// </summary>
public sealed class CampaignTests : IAsyncLifetime
{
    private readonly TempDirectory _root = new();
    private readonly TestLog _log = new();
    private LoopbackServer _server = null!;

    public async Task InitializeAsync()
    {
        _root.Write("htdocs/index.html", "home page");
        _root.Write("htdocs/sub/page.html", "sub page");
        _root.Write("secret.txt", "TOP SECRET");
        _server = await LoopbackServer.StartAsync(Dispatchers.Sequencer(
                Dispatchers.Files(Path.Combine(_root.Path, "htdocs")),
                Servlets.DispatchServlet(async request =>
                {
                    var next = await SendSuspend(k => Response.Html($"<form method=\"post\" action=\"{k}\"><input name=\"n\"></form>"));
                    return Response.Text("got " + next.Bindings["n"]);
                }, regexp: new("^/servlet"))),
            limits: new SafetyLimits { RequestReadTimeout = TimeSpan.FromSeconds(2) }, loggerFactory: _log.Factory());
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _root.Dispose();
    }

    public static TheoryData<string> Malformed => new()
    {
        "GET / HTTP/1.1\r\n\r\n",                                            // no Host
        "GET / HTTP/9.9\r\nHost: x\r\n\r\n",
        "GET  / HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /\0 HTTP/1.1\r\nHost: x\r\n\r\n",
        "G\u00e9T / HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\n: novalue\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n",
        "GET / HTTP/1.1\nHost: x\n\n",
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=\"unterminated\r\nabc\r\n0\r\n\r\n",
        "POST /servlet HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=\r\nContent-Length: 4\r\n\r\nabcd",
        "POST /servlet HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 20\r\n\r\n--b\r\nno-headers-end",
        "GET http://[::1 HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET %zz HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /servlet;k=99-99-99 HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /servlet;k=%00 HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /servlet;k=1-2-99999999999999999999999 HTTP/1.1\r\nHost: x\r\n\r\n",
        "CONNECT x:1 HTTP/1.1\r\nHost: x:1\r\n\r\n",
        "TRACE / HTTP/1.1\r\nHost: x\r\n\r\n",
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task Malformed_requests_get_a_clear_4xx_or_a_close_and_never_a_5xx(string request)
    {
        var answer = await _server.RawAsync(request);
        if (answer.StartsWith("\0\0", StringComparison.Ordinal))
        {
            Assert.Equal(7, answer[3]);   // the HTTP/2 preface without TLS: Kestrel's GOAWAY frame
        }
        else if (answer.Length > 0)
        {
            // 501 (CONNECT) and 505 (HTTP/9.9) are the protocol's own answers; 500, 502 and 503 would be failures.
            Assert.Matches(@"^HTTP/1\.[01] ([1-4][0-9][0-9]|501|505) ", answer);
        }
        Assert.Equal("home page", await _server.Client.GetStringAsync("/index.html"));
        Assert.DoesNotContain(_log.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal));
    }

    private static readonly string[] s_ups = ["..", "%2e%2e", "%2E%2E", ".%2e", "%2e.", "..%00", "%252e%252e", "..;x", "...."];
    private static readonly string[] s_separators = ["/", "%2f", "%2F", "\\", "%5c", "//", "/./", "%00/"];

    [Fact]
    public async Task No_spelling_of_a_path_out_of_the_root_reaches_a_file_outside_it()
    {
        var tried = 0;
        foreach (var up in s_ups)
        {
            foreach (var separator in s_separators)
            {
                foreach (var prefix in new[] { "/", "/sub/", "/sub/x/" })
                {
                    var path = prefix + up + separator + up + separator + "secret.txt";
                    var answer = await _server.RawAsync($"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                    Assert.DoesNotContain("TOP SECRET", answer);
                    Assert.DoesNotMatch(@"^HTTP/1\.1 5", answer);
                    tried++;
                }
            }
        }
        Assert.Equal(s_ups.Length * s_separators.Length * 3, tried);
    }

    [Fact]
    public async Task A_client_that_resets_mid_body_leaves_the_server_healthy_and_logs_no_error()
    {
        for (var i = 0; i < 20; i++)
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", _server.Port);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes("POST /servlet HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Content-Length: 100000\r\n\r\nn=abc"));
            client.LingerState = new LingerOption(true, 0);   // close with RST
        }
        Assert.Equal("home page", await _server.Client.GetStringAsync("/index.html"));
        Assert.DoesNotContain(_log.Lines, l => l.StartsWith("Error", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_client_that_resets_mid_suspend_loses_nothing_and_its_link_still_works()
    {
        var page = await _server.Client.GetStringAsync("/servlet");
        var k = FirstAction(page);
        using (var client = new TcpClient())
        {
            await client.ConnectAsync("127.0.0.1", _server.Port);
            var body = "n=first";
            await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes($"POST {k} HTTP/1.1\r\nHost: x\r\n"
                + $"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {body.Length + 10}\r\n\r\n{body}"));
            client.LingerState = new LingerOption(true, 0);
        }
        var answer = await _server.Client.PostAsync(k, new FormUrlEncodedContent([new("n", "second")]));
        Assert.Equal("got second", await answer.Content.ReadAsStringAsync());
        Assert.DoesNotContain(_log.Lines, l => l.StartsWith("Error", StringComparison.Ordinal));
    }

    private static string FirstAction(string page)
    {
        var at = page.IndexOf("action=\"", StringComparison.Ordinal) + 8;
        return System.Net.WebUtility.HtmlDecode(page[at..page.IndexOf('"', at)]);
    }
}
