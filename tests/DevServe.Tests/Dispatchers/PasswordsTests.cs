using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace DevServe.Tests;

/// <summary>Racket's dispatch-passwords tests (docs/design/racket-reference.md §8.3).</summary>
public sealed class PasswordsTests
{
    private const string File1 = """'(("secret stuff" "/secret(/.*)?" (bubba "bbq") (|Billy| "BoB") (aladdin "open sesame")))""";

    private static async Task<HttpResponseMessage> Get(LoopbackServer server, string path, string? user = null, string? password = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (user is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        }
        return await server.Client.SendAsync(request);
    }

    [Fact]
    public async Task A_realm_asks_for_credentials_and_lets_valid_ones_pass()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("passwords", File1);
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Sequencer(
            Dispatchers.Passwords(file), Dispatchers.Lift(r => Response.Text("inside " + r.Path))));

        var denied = await Get(server, "/secret/something");
        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
        Assert.Equal("Basic realm=\"secret stuff\"", denied.Headers.WwwAuthenticate.ToString());

        // "Aladdin" is lower-cased to the file's aladdin, as Racket does.
        Assert.Equal("inside /secret/something", await (await Get(server, "/secret/something", "Aladdin", "open sesame")).Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await Get(server, "/secret", "billy", "BoB")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Get(server, "/secret", "bubba", "BBQ")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Get(server, "/secret", "nobody", "bbq")).StatusCode);
        Assert.Equal("inside /not-secret", await (await Get(server, "/not-secret")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_file_is_reread_when_it_changes()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("passwords", File1);
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Sequencer(
            Dispatchers.Passwords(file), Dispatchers.Lift(_ => Response.Text("in"))));
        Assert.Equal(HttpStatusCode.OK, (await Get(server, "/secret", "bubba", "bbq")).StatusCode);
        File.WriteAllText(file, """'(("secret stuff" "/secret(/.*)?" (bubba "ribs")))""");
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddSeconds(5));   // a distinct stamp even on coarse file systems
        Assert.Equal(HttpStatusCode.Unauthorized, (await Get(server, "/secret", "bubba", "bbq")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Get(server, "/secret", "bubba", "ribs")).StatusCode);
    }

    [Fact]
    public async Task A_malformed_file_gets_500_with_the_position_in_the_log()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("passwords", "((\"realm\" \"/x\" (user \"pw\")");
        var log = new TestLog();
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Passwords(file), loggerFactory: log.Factory());
        Assert.Equal(HttpStatusCode.InternalServerError, (await Get(server, "/x")).StatusCode);
        await log.FirstError.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Contains(log.Lines, l => l.Contains("passwords:1:") && l.Contains("missing ')'"));
    }

    [Fact]
    public async Task A_huge_authorization_header_is_refused_without_harm()
    {
        // A site may raise the header limit; the header's length must not decide how much stack a request takes.
        using var dir = new TempDirectory();
        var file = dir.Write("passwords", File1);
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Sequencer(
                Dispatchers.Passwords(file), Dispatchers.Lift(_ => Response.Text("in"))),
            limits: new SafetyLimits { MaxRequestHeaderLength = 4 * 1024 * 1024 });
        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes("bubba:" + new string('x', 2 * 1024 * 1024)));
        var answer = await server.RawAsync($"GET /secret HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Basic {credentials}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 401 ", answer);
        Assert.Equal(HttpStatusCode.OK, (await Get(server, "/secret", "bubba", "bbq")).StatusCode);
    }
}
