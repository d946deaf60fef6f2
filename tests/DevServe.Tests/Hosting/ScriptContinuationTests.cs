using DevServe.Hosting;

namespace DevServe.Tests;

/// <summary>
/// Script servlets resume without replay with no change to their code: the script compiler makes their async
/// methods resumable (Debug compiles: class state machines), in the script and in the files it #loads.
/// </summary>
public sealed class ScriptContinuationTests
{
    private static async Task<LoopbackServer> ServeScriptAsync(TempDirectory dir, string file)
    {
        var compiled = await ScriptCompiler.CompileAsync(Path.Combine(dir.Path, file), TestHosting.NoCache);
        return await LoopbackServer.StartAsync(Servlets.DispatchServlet(compiled.Start
            ?? throw new InvalidOperationException(string.Join("\n", compiled.Errors))));
    }

    [Fact]
    public async Task The_roster_back_button_adds_each_name_once_per_submit()
    {
        using var dir = new TempDirectory();
        dir.Write("roster.csx", """
            var adds = new List<string>();
            async Task<Response> Start(Request request)
            {
                var names = new List<string>();
                while (true)
                {
                    var r = await SendSuspend(k => Response.Html($"<p>{string.Join(",", names)}|{string.Join(",", adds)}</p><form method=post action=\"{k}\"></form>"));
                    names.Add(r.Bindings["name"]!);
                    adds.Add(r.Bindings["name"]!);
                }
            }
            """);
        await using var server = await ServeScriptAsync(dir, "roster.csx");
        var page1 = await server.Client.GetStringAsync("/");
        var page2 = await server.Client.PostAsync(Browser.FirstLink(page1), ("name", "ann"));
        var page3 = await server.Client.PostAsync(Browser.FirstLink(page2), ("name", "bob"));
        var page4 = await server.Client.PostAsync(Browser.FirstLink(page3), ("name", "cy"));
        Assert.Contains("|ann,bob,cy<", page4);
        var resubmitted = await server.Client.PostAsync(Browser.FirstLink(page3), ("name", "cy"));
        // The list is a heap object, shared as in Racket; what matters is that names.Add ran once for the resubmit.
        Assert.Contains("|ann,bob,cy,cy<", resubmitted);
    }

    [Fact]
    public async Task A_counter_local_shown_on_the_page_goes_on_from_the_page_that_was_used()
    {
        using var dir = new TempDirectory();
        dir.Write("count.csx", """
            async Task<Response> Start(Request request)
            {
                var n = 0;
                while (true)
                {
                    await SendSuspend(k => Response.Html($"<p>{n}</p><a href=\"{k}\">next</a>"));
                    n++;
                }
            }
            """);
        await using var server = await ServeScriptAsync(dir, "count.csx");
        var page0 = await server.Client.GetStringAsync("/");
        var page1 = await server.Client.GetStringAsync(Browser.FirstLink(page0));
        var page2 = await server.Client.GetStringAsync(Browser.FirstLink(page1));
        Assert.Contains("<p>2</p>", page2);
        Assert.Contains("<p>1</p>", await server.Client.GetStringAsync(Browser.FirstLink(page0)));   // back to page 0: 0 + 1
        Assert.Contains("<p>3</p>", await server.Client.GetStringAsync(Browser.FirstLink(page2)));
    }

    [Fact]
    public async Task A_helper_in_a_loaded_file_resumes_without_running_Start_again()
    {
        using var dir = new TempDirectory();
        dir.Write("ask.csx", """
            async Task<int> Ask(string which)
            {
                var r = await SendSuspend(k => Response.Html($"<p>{which}</p><form method=post action=\"{k}\"></form>"));
                return int.Parse(r.Bindings["number"]!);
            }
            """);
        dir.Write("sum.csx", """
            #load "ask.csx"
            var starts = 0;
            async Task<Response> Start(Request request)
            {
                starts++;
                var first = await Ask("first");
                var second = await Ask("second");
                return Response.Text($"{first + second} after {starts} start(s)");
            }
            """);
        await using var server = await ServeScriptAsync(dir, "sum.csx");
        var first = await server.Client.GetStringAsync("/");
        var second = await server.Client.PostAsync(Browser.FirstLink(first), ("number", "2"));
        Assert.Equal("5 after 1 start(s)", await server.Client.PostAsync(Browser.FirstLink(second), ("number", "3")));
        Assert.Equal("12 after 1 start(s)", await server.Client.PostAsync(Browser.FirstLink(second), ("number", "10")));
        var other = await server.Client.PostAsync(Browser.FirstLink(first), ("number", "7"));
        Assert.Equal("8 after 1 start(s)", await server.Client.PostAsync(Browser.FirstLink(other), ("number", "1")));
    }

    [Fact]
    public async Task Errors_and_call_sites_keep_the_lines_of_the_file_on_disk()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("broken.csx", "// line 1\nasync Task<Response> Start(Request request)\n{\n    await Task.Yield();\n    return Response.Text(undefined);\n}\n");
        var compiled = await ScriptCompiler.CompileAsync(path, TestHosting.NoCache);
        var error = Assert.Single(compiled.Errors);
        Assert.Equal((5, 26), (error.Line, error.Column));
    }
}
