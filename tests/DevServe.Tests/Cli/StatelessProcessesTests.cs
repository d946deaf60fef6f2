using System.Net;

namespace DevServe.Tests;

/// <summary>A stateless conversation lives in its links: another devserve process with the key goes on with it, exactly once per step.</summary>
public sealed class StatelessProcessesTests
{
    private static readonly HttpClient s_client = new() { Timeout = TimeSpan.FromSeconds(60) };

    [Fact]
    public async Task Two_processes_with_one_key_take_turns_in_a_conversation_and_one_with_another_key_refuses_it()
    {
        using var dir = new TempDirectory();
        var script = dir.Write("steps.csx", """
            async Task<Response> Start(Request request)
            {
                var total = 0;
                for (var step = 1; step <= 3; step++)
                {
                    var r = await SendSuspend(k => Response.Html($"<a href=\"{k}\">step {step}, {total} so far</a>"));
                    var n = int.Parse(r.Bindings["n"]!);
                    File.AppendAllText("effects.txt", $"{Environment.ProcessId} step {step} +{n}\n");
                    total += n;
                }
                return Response.Text($"total {total}");
            }
            """);
        await using var a = DevServeProcess.Start("run", script, "--port", "0", "--no-browser", "--stateless");
        await using var b = DevServeProcess.Start("run", script, "--port", "0", "--no-browser", "--stateless");
        var (urlA, urlB) = (await a.UrlAsync(), await b.UrlAsync());
        var k = Browser.FirstLink(await s_client.GetStringAsync(urlA + "/"));
        var page2 = await s_client.GetStringAsync(urlB + k + "?n=1");   // step 1 goes on in B
        Assert.Contains("step 2, 1 so far", page2);
        k = Browser.FirstLink(page2);
        Assert.Contains("step 3, 1 so far", await s_client.GetStringAsync(urlA + k + "?n=0"));   // step 2 in A
        var page3 = await s_client.GetStringAsync(urlA + k + "?n=10");   // and again, from the same page
        Assert.Contains("step 3, 11 so far", page3);
        Assert.Equal("total 111", await s_client.GetStringAsync(urlB + Browser.FirstLink(page3) + "?n=100"));
        var effects = File.ReadAllLines(Path.Combine(dir.Path, "effects.txt"));
        Assert.Equal(4, effects.Length);   // one line per request that went on, none replayed
        Assert.Equal(["step 1 +1", "step 2 +0", "step 2 +10", "step 3 +100"], effects.Select(e => e[(e.IndexOf(' ') + 1)..]));

        using var otherKey = new TempDirectory();
        await using var c = DevServeProcess.StartProgram(Path.Combine(DevServeProcess.RepositoryRoot, "scripts", "devserve"), null,
            new Dictionary<string, string> { ["DEVSERVE_STUFFER_KEY"] = Path.Combine(otherKey.Path, "key") },
            "run", script, "--port", "0", "--no-browser", "--stateless");
        var refused = await s_client.GetAsync(await c.UrlAsync() + k + "?n=5");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(dir.Path, "effects.txt")).Length);
    }
}
