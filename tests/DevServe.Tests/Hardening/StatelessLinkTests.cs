using System.Net;
using System.Security.Cryptography;
using System.Text;
using static DevServe.Web;

namespace DevServe.Tests.Hardening;

/// <summary>A stateless link signed with the right key but malformed inside is an invalid link, never a 500.</summary>
public sealed class StatelessLinkTests
{
    [Theory]   // what afl-fuzz found behind the signature (the continuation harness)
    [InlineData("""{"f":[{"r":{"m":null,"u":"/"},"e":[]}],"s":12}""")]
    [InlineData("""{"f":[{"r":{"m":"GET","u":null},"e":[]}],"s":12}""")]
    [InlineData("""{"f":[{"r":{"m":"POST","u":"/","p":"not base64!"},"e":[]}],"s":12}""")]
    [InlineData("""{"f":[{"r":{"m":"GET","u":"/","h":[[null,"x"]]},"e":[]}],"s":12}""")]
    [InlineData("""{"f":[null],"s":12}""")]
    [InlineData("""{"f":[{"r":{"m":"GET","u":"/"},"e":[null]}],"s":12}""")]
    public async Task A_signed_but_malformed_continuation_gets_the_invalid_link_page(string json)
    {
        using var store = new TempDirectory();
        var stuffer = Stuffers.Make(RandomNumberGenerator.GetBytes(32), new DirectoryStore(store.Path));
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(async _ =>
        {
            await SendSuspend(k => Response.Html($"<a href=\"{k}\">next</a>"));
            return Response.Text("resumed");
        }, stateless: true, stuffer: stuffer));
        var link = "/;c=" + Encoding.ASCII.GetString(stuffer.In(Encoding.UTF8.GetBytes(json)));
        var answer = await server.Client.GetAsync(link);
        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Contains("not valid", await answer.Content.ReadAsStringAsync());
    }
}
