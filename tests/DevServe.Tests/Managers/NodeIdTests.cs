using System.Net;
using static DevServe.Web;

namespace DevServe.Tests;

/// <summary>k-urls that name their node (<see cref="IManager.Node"/>), so a balancer can route them (docs/scale-out.md).</summary>
public sealed class NodeIdTests
{
    private static Task<Response> Start(Request request)
        => Ask().ContinueWith(t => Response.Html($"<p>got {t.Result}</p>"), TaskScheduler.Default);

    private static async Task<string> Ask()
    {
        var answer = await SendSuspend(k => Response.Html($"<form action=\"{k}\" method=\"post\"><input name=\"w\"></form>"));
        return answer.Bindings["w"] ?? "";
    }

    [Fact]
    public async Task A_k_url_names_the_node_that_holds_it_and_resumes_there()
    {
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(Start, manager: new ThresholdLruManager { Node = "n7" }));
        var k = Browser.FirstLink(await server.Client.GetStringAsync("/step"));
        Assert.Matches(@"^/step;k=n7-[0-9a-f]+\.[0-9a-f]+\.[0-9a-f]{16}$", k);
        Assert.Contains("got x", await server.Client.PostAsync(k, ("w", "x")));
    }

    [Theory]
    [InlineData("n8")]      // another node's: it is gone, or the balancer lost it
    [InlineData("")]        // no node, on a server that names one
    [InlineData("n 7")]     // not a node id at all
    [InlineData("n7;x")]
    public async Task A_k_url_naming_another_node_gets_the_expired_page_and_runs_nothing(string node)
    {
        var runs = 0;
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(r =>
        {
            Interlocked.Increment(ref runs);
            return Start(r);
        }, manager: new ThresholdLruManager { Node = "n7" }));
        var k = Browser.FirstLink(await server.Client.GetStringAsync("/step"));
        var forged = k.Replace(";k=n7-", node.Length == 0 ? ";k=" : $";k={Uri.EscapeDataString(node)}-", StringComparison.Ordinal);
        var response = await server.Client.PostAsync(forged, new FormUrlEncodedContent([new("w", "x")]));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("expired", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, runs);
    }

    [Fact]
    public async Task A_server_that_names_no_node_refuses_a_k_url_that_names_one()
    {
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(Start));
        var k = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        Assert.DoesNotContain("-", k, StringComparison.Ordinal);
        var response = await server.Client.PostAsync(k.Replace(";k=", ";k=n1-", StringComparison.Ordinal), new FormUrlEncodedContent([new("w", "x")]));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("n1", true)]
    [InlineData("node_2", true)]
    [InlineData("", false)]
    [InlineData("a-b", false)]
    [InlineData("a.b", false)]
    [InlineData("ü", false)]
    [InlineData("123456789012345678901234567890123", false)]
    public void Node_ids_are_short_words(string id, bool valid)
    {
        Assert.Equal(valid, NodeId.IsValid(id));
        if (!valid)
        {
            Assert.Throws<ArgumentException>(() => new ThresholdLruManager { Node = id });
        }
    }
}
