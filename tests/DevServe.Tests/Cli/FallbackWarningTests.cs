using DevServe.Hosting;

namespace DevServe.Tests;

/// <summary>When a page has to be resumed by replay, or a suspension sits inside try/finally, devserve run says so, with file and line.</summary>
public sealed class FallbackWarningTests
{
    private static readonly HttpClient s_client = new() { Timeout = TimeSpan.FromSeconds(60) };

    [Fact]
    public async Task A_suspension_under_an_async_lambda_is_named_once_on_stderr_and_the_page_still_works()
    {
        using var dir = new TempDirectory();
        var script = dir.Write("lambda.csx", """
            async Task<Response> Start(Request request)
            {
                Func<Task<Request>> ask = async () => await SendSuspend(k => Response.Html($"<a href=\"{k}\">go</a>"));
                var r = await ask();
                return Response.Text("resumed");
            }
            """);
        await using var devserve = DevServeProcess.Start("run", script, "--port", "0", "--no-browser");
        var url = await devserve.UrlAsync();
        for (var i = 0; i < 2; i++)
        {
            var k = Browser.FirstLink(await s_client.GetStringAsync(url + "/"));
            Assert.Equal("resumed", await s_client.GetStringAsync(url + k));
        }
        await devserve.WaitForErrorAsync("is resumed by replay");
        var warnings = devserve.Errors.Split('\n').Where(l => l.Contains("is resumed by replay", StringComparison.Ordinal)).ToList();
        var warning = Assert.Single(warnings);   // once per call site, however often it happens
        Assert.Contains($"{script}:3:", warning);
        Assert.Contains("Start", warning);
    }

    [Fact]
    public async Task A_suspension_inside_try_finally_or_using_gets_a_compile_warning_with_its_line()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("spans.csx", """
            async Task<Response> Start(Request request)
            {
                try
                {
                    await SendSuspend(k => Response.Html(k));
                }
                finally
                {
                    Console.WriteLine("left");
                }
                using var stream = new MemoryStream();
                await RedirectGet();
                await SendSuspend(k => Response.Html(k));   // reported once: the block holds one using
                return Response.Text("done");
            }

            async Task<Response> Fine()
            {
                try { Console.WriteLine("between"); } finally { }
                await SendSuspend(k => Response.Html(k));
                return Response.Text("fine");
            }
            """);
        var compiled = await ScriptCompiler.CompileAsync(path, TestHosting.NoCache);
        Assert.Empty(compiled.Errors);
        Assert.Equal([(5, 9), (12, 5), (13, 5)], compiled.Warnings.Select(w => (w.Line, w.Column)));
        Assert.All(compiled.Warnings, w => Assert.Equal("DEVSERVE010", w.Id));
        Assert.Contains("a try block with a finally", compiled.Warnings[0].Message);
        Assert.Contains("the scope of a using declaration", compiled.Warnings[1].Message);
    }
}
