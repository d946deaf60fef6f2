using System.Runtime.CompilerServices;
using DevServe.Hosting;

namespace DevServe.Tests;

/// <summary>The hot-reloading script servlet in-process, where its load contexts can be watched.</summary>
public sealed class ScriptServletTests
{
    private static string Hello(int n) => $"Response Start(Request request) => Response.Text(\"v{n}\");\n";

    [Fact]
    public void The_System_Text_Json_cache_hook_that_unpins_old_versions_is_found_in_this_runtime()
        => Assert.True(DevServe.Hosting.ServletVersions.CanClearReflectionCaches,
            "JsonSerializerOptionsUpdateHandler.ClearCache is gone: old servlet versions that used JSON would leak");

    [Fact]
    public async Task Two_hundred_reloads_swap_every_version_and_keep_memory_flat()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("v.csx", Hello(1));
        var servlet = new ScriptServlet(path);
        await using var _ = servlet;
        await using var server = await LoopbackServer.StartAsync(servlet.Dispatch);
        Assert.Equal("v1", await server.Client.GetStringAsync("/"));
        var contexts = new List<WeakReference>();
        long heapAfterWarmUp = 0;
        for (var n = 2; n <= 200; n++)
        {
            if (n == 20)
            {
                heapAfterWarmUp = GC.GetTotalMemory(forceFullCollection: true);   // after JIT and tiering have settled
            }
            File.WriteAllText(path, Hello(n));
            // A save is a truncation and a write: a swap can read the file between them (the compile error page) or a late
            // event of the previous save can swap before this one. Wait for the swap that serves this version.
            await servlet.ServedAsync(server, $"v{n}", TimeSpan.FromSeconds(20));
            contexts.Add(ContextOf(servlet));
        }
        for (var i = 0; i < 10 && contexts.Count(c => c.IsAlive) > 1; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.True(contexts.Count(c => c.IsAlive) <= 1, $"{contexts.Count(c => c.IsAlive)} of {contexts.Count} load contexts alive");
        // 180 more versions, each a compiled assembly: what stays is bounded (the heap is shared with parallel tests,
        // hence the generous bound; a leak of one version per reload would be far more).
        var growth = GC.GetTotalMemory(forceFullCollection: true) - heapAfterWarmUp;
        Assert.True(growth < 32L * 1024 * 1024, $"the managed heap grew {growth / 1024} KiB over 180 reloads");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference ContextOf(ScriptServlet servlet)
        => new(servlet.Current?.Context);

    [Fact]
    public async Task A_loaded_file_is_watched_too_and_line_numbers_point_into_it()
    {
        using var dir = new TempDirectory();
        var lib = dir.Write("lib.csx", "string Greeting() => \"hi\";\n");
        var path = dir.Write("main.csx", "#load \"lib.csx\"\nResponse Start(Request request) => Response.Text(Greeting());\n");
        await using var servlet = new ScriptServlet(path);
        await using var server = await LoopbackServer.StartAsync(servlet.Dispatch);
        Assert.Equal("hi", await server.Client.GetStringAsync("/"));
        await servlet.SaveAsync(lib, "string Greeting() => 42;\n", TimeSpan.FromSeconds(20));
        var page = await (await server.Client.GetAsync("/")).Content.ReadAsStringAsync();
        Assert.Contains("lib.csx:1:", page);
    }

    [Fact]
    public async Task An_unchanged_script_is_loaded_from_the_cache_and_a_changed_one_is_not()
    {
        using var cache = new TempDirectory();
        var options = TestHosting.CacheIn(cache.Path);
        using var dir = new TempDirectory();
        var lib = dir.Write("lib.csx", "string Word() => \"cached\";\n");
        var path = dir.Write("c.csx", "#load \"lib.csx\"\nResponse Start(Request request) => Response.Text(Word());\n");
        var first = await ScriptCompiler.CompileAsync(path, options);
        Assert.StartsWith("devserve-script-", first.Context!.Name);
        Assert.DoesNotContain("cached", first.Context.Name);
        var second = await ScriptCompiler.CompileAsync(path, options);
        Assert.StartsWith("devserve-script-cached-", second.Context!.Name);
        Assert.Equal("cached", await BodyTextAsync(await second.Start!(new Request("GET", new Uri("http://x/"), [], Bindings.Empty, null, "", 0, ""))));
        File.WriteAllText(lib, "string Word() => \"changed\";\n");   // a #load'ed file changed: a miss
        var third = await ScriptCompiler.CompileAsync(path, options);
        Assert.DoesNotContain("cached", third.Context!.Name);
        Assert.Equal("changed", await BodyTextAsync(await third.Start!(new Request("GET", new Uri("http://x/"), [], Bindings.Empty, null, "", 0, ""))));
    }

    [Fact]
    public async Task A_cache_entry_that_cannot_be_written_never_breaks_the_servlet()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("ok.csx", "Response Start(Request request) => Response.Text(\"served\");\n");
        // A folder no file system takes: writing the entry throws (not an IOException) once the script has compiled and run.
        var options = TestHosting.CacheIn(Path.Combine(dir.Path, "no\0cache"));
        var script = await ScriptCompiler.CompileAsync(path, options);
        Assert.Empty(script.Errors);
        Assert.Equal("served", await BodyTextAsync(await script.Start!(new Request("GET", new Uri("http://x/"), [], Bindings.Empty, null, "", 0, ""))));
    }

    [Theory]
    [InlineData("ok.csx", "Response Start(Request request) => Response.Text(\"served\");\n")]
    [InlineData("ok.cs", "using DevServe;\n\nstatic Response Start(Request request) => Response.Text(\"served\");\n")]
    public async Task A_served_script_or_app_whose_cache_entry_cannot_be_written_is_served_and_reloads(string name, string text)
    {
        using var dir = new TempDirectory();
        var path = dir.Write(name, text);
        await using var servlet = new ScriptServlet(path, TestHosting.CacheIn(Path.Combine(dir.Path, "no\0cache")));
        await using var http = await LoopbackServer.StartAsync(servlet.Dispatch);
        Assert.Equal("served", await http.Client.GetStringAsync("/"));
        await ScriptServletWaits.SaveAsync(servlet, path, text.Replace("served", "saved", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        Assert.Equal("saved", await http.Client.GetStringAsync("/"));
    }

    private static async Task<string> BodyTextAsync(Response response)
    {
        using var stream = new MemoryStream();
        await response.Output(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public async Task Scripts_see_the_whole_shared_framework_as_a_project_does()
    {
        using var dir = new TempDirectory();
        // System.Uri lives in System.Private.Uri; HtmlEncoder in System.Text.Encodings.Web; QueryHelpers in ASP.NET Core.
        var compiled = await ScriptCompiler.CompileAsync(dir.Write("uri.csx", """
            Response Start(Request request) => Response.Text(string.Join(" ", Uri.EscapeDataString("a b"), new System.Uri("http://x/y").Host,
                request.Uri.AbsolutePath, System.Text.Encodings.Web.HtmlEncoder.Default.Encode("&"),
                Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString("/p", "q", "1")));
            """), TestHosting.NoCache);
        Assert.Empty(compiled.Errors);
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(compiled.Start!));
        Assert.Equal("a%20b x /here &amp; /p?q=1", await server.Client.GetStringAsync("/here"));
    }

    [Theory]
    [InlineData("<!DOCTYPE html><html><body><p>hi</p></body></html>", "<!DOCTYPE html><html><body><p>hi</p>", "</body></html>")]
    [InlineData("<html><BODY>a</body>b</BODY>\n</html>\n", "<html><BODY>a</body>b", "</BODY>\n</html>\n")]
    [InlineData("<p>no body at all</p>", "<p>no body at all</p>", "")]
    public async Task The_live_reload_script_goes_just_before_the_last_end_of_body(string page, string before, string after)
    {
        using var dir = new TempDirectory();
        var servlet = new ScriptServlet(dir.Write("p.csx", "Response Start(Request request) => Response.Html(\"\");\n"), TestHosting.NoCache);
        await using var _ = servlet;
        // The page written in pieces of 3 bytes, so "</body" is split across writes.
        var bytes = System.Text.Encoding.UTF8.GetBytes(page);
        var streamed = Response.Streamed(async output =>
        {
            for (var i = 0; i < bytes.Length; i += 3)
            {
                await output.WriteAsync(bytes.AsMemory(i, Math.Min(3, bytes.Length - i)));
            }
        });
        await using var server = await LoopbackServer.StartAsync(LiveReload.Wrap(servlet, _ => new(streamed)));
        var served = await server.Client.GetStringAsync("/");
        Assert.StartsWith(before + "<script>", served);
        Assert.EndsWith("</script>" + after, served);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(served, "<script>"));
    }

    [Fact]
    public async Task A_runtime_error_shows_the_scripts_own_frames_with_their_source_then_the_rest_folded_and_the_request()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("divide.csx", """
            static int Divide(int a, int b) => a / b;
            async Task<Response> Start(Request request)
            {
                await Task.Yield();
                return Response.Text("x" + Divide(1, int.Parse(request.Bindings["n"] ?? "0")));
            }
            """);
        var servlet = new ScriptServlet(path, TestHosting.NoCache);
        await using var _ = servlet;
        await using var server = await LoopbackServer.StartAsync(servlet.Dispatch);
        using var message = new HttpRequestMessage(HttpMethod.Get, "/sum?n=0");
        message.Headers.Add("X-Student", "ada");
        message.Headers.Add("Cookie", "session=42");
        var response = await server.Client.SendAsync(message);
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, response.StatusCode);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains("<b>DivideByZeroException</b>", page);
        // The script's frames, innermost first, each with its place and its source line marked; then the rest, folded.
        var divide = page.IndexOf("<h2>Divide <span class=\"where\">" + path + ":1</span></h2>", StringComparison.Ordinal);
        var start = page.IndexOf("<h2>Start <span class=\"where\">" + path + ":5</span></h2>", StringComparison.Ordinal);
        var folded = page.IndexOf("<details><summary>DevServe's and .NET's frames</summary>", StringComparison.Ordinal);
        Assert.True(divide > 0 && start > divide && folded > start, page);
        Assert.Contains("<span class=\"bad\">    1: static int Divide(int a, int b) =&gt; a / b;</span>", page);
        Assert.Contains("<summary>The request: GET /sum?n=0</summary>", page);
        Assert.Contains("<td>n</td><td>0</td>", page);
        Assert.Contains("<td>X-Student</td><td>ada</td>", page);
        Assert.Contains("<td>session</td><td>42</td>", page);
    }

    [Fact]
    public async Task A_script_without_Start_says_so()
    {
        using var dir = new TempDirectory();
        var compiled = await ScriptCompiler.CompileAsync(dir.Write("none.csx", "var x = 1;\n"));
        Assert.Null(compiled.Start);
        Assert.Contains("defines no servlet", Assert.Single(compiled.Errors).Message);
    }

    [Fact]
    public async Task Pages_of_an_earlier_version_expire_with_a_reason()
    {
        using var dir = new TempDirectory();
        const string Ask = "async Task<Response> Start(Request r) { var n = await SendSuspend(k => Response.Html($\"<a href=\\\"{k}\\\">go</a>\")); return Response.Text(\"VERSION\"); }\n";
        var path = dir.Write("k.csx", Ask.Replace("VERSION", "one"));
        await using var servlet = new ScriptServlet(path);
        await using var server = await LoopbackServer.StartAsync(servlet.Dispatch);
        var k = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        await servlet.SaveAsync(path, Ask.Replace("VERSION", "two"), TimeSpan.FromSeconds(20));
        var (status, body) = await server.Client.FetchAsync(k);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, status);
        Assert.Contains("reloaded", body);
        Assert.Equal("two", await server.Client.GetStringAsync(Browser.FirstLink(await server.Client.GetStringAsync("/"))));
    }
}
