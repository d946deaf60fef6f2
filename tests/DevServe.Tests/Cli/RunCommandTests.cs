using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace DevServe.Tests;

/// <summary><c>devserve run</c> as a user meets it: a process, its banner, its pages, its files.</summary>
public sealed class RunCommandTests
{
    private static readonly HttpClient s_client = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Polls the page until <paramref name="predicate"/> holds: the reload happens in another process.</summary>
    private static async Task<string> WaitForPageAsync(string url, Func<string, bool> predicate)
    {
        var watch = Stopwatch.StartNew();
        string page = "";
        while (watch.Elapsed < TimeSpan.FromSeconds(15))
        {
            page = await (await s_client.GetAsync(url)).Content.ReadAsStringAsync();
            if (predicate(page))
            {
                return page;
            }
            await Task.Delay(25);   // polling another process's page, bounded by the deadline above
        }
        throw new TimeoutException("The page never changed as expected; last seen:\n" + page);
    }

    /// <summary>Saves like an editor that writes a temporary file and renames it over the script.</summary>
    private static void Save(string path, string text)
    {
        var temp = path + ".tmp~";
        File.WriteAllText(temp, text);
        File.Move(temp, path, overwrite: true);
    }

    [Fact]
    public async Task Run_serves_the_script_reloads_on_save_and_shows_compile_errors_with_the_line()
    {
        using var dir = new TempDirectory();
        var script = dir.Write("hello.csx", "Response Start(Request request) =>\n    Response.Html(\"<h1>Version 1</h1>\");\n");
        await using var devserve = DevServeProcess.Start("run", script, "--port", "0", "--no-browser");
        var url = await devserve.UrlAsync();
        Assert.Matches("^http://localhost:[0-9]+$", url);
        Assert.Contains("Stop this program at any time to terminate the Web Server.", devserve.Output);
        Assert.Contains("Version 1", await s_client.GetStringAsync(url + "/any/path"));

        Save(script, "Response Start(Request request) =>\n    Response.Html(\"<h1>Version 2</h1>\");\n");
        await WaitForPageAsync(url + "/", p => p.Contains("Version 2"));

        Save(script, "Response Start(Request request) =>\n    Response.Html(42);\n");
        var error = await WaitForPageAsync(url + "/", p => p.Contains("does not compile"));
        Assert.Contains("hello.csx:2:19", error);
        Assert.Contains("CS1503", error);
        Assert.Contains("Response.Html(42);", error);   // the source line, shown
        var response = await s_client.GetAsync(url + "/");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);

        Save(script, "Response Start(Request request) =>\n    Response.Html(\"<h1>Version 3</h1>\");\n");
        await WaitForPageAsync(url + "/", p => p.Contains("Version 3"));
    }

    [Fact]
    public async Task A_runtime_error_shows_the_script_line_and_the_next_save_recovers()
    {
        using var dir = new TempDirectory();
        var script = dir.Write("boom.csx", "Response Start(Request request)\n{\n    throw new InvalidOperationException(\"kaboom\");\n}\n");
        await using var devserve = DevServeProcess.Start("run", script, "--port", "0", "--no-browser");
        var url = await devserve.UrlAsync();
        var response = await s_client.GetAsync(url + "/");
        var page = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("kaboom", page);
        Assert.Contains("boom.csx:3</span>", page);   // the frame's place, and its source line below it
        Assert.Contains("<span class=\"bad\">    3:     throw new InvalidOperationException(&quot;kaboom&quot;);</span>", page);
        await devserve.WaitForErrorAsync("Servlet error at /: InvalidOperationException: kaboom (boom.csx:3)");   // one line, no stack trace
        Assert.DoesNotContain("   at ", devserve.Errors);
        Save(script, "Response Start(Request request) => Response.Text(\"fine\");\n");
        await WaitForPageAsync(url + "/", p => p == "fine");
    }

    [Fact]
    public async Task Quit_needs_the_page_token_and_then_stops_the_server_with_Racket_words()
    {
        await using var devserve = DevServeProcess.Start("run", Path.Combine(ExampleServlets.Directory, "hello.csx"), "--port", "0", "--no-browser");
        var url = await devserve.UrlAsync();
        var quitPage = await s_client.GetStringAsync(url + "/quit");
        var token = Regex.Match(quitPage, "name=\"token\" value=\"([0-9a-f]+)\"").Groups[1].Value;
        Assert.NotEmpty(token);

        var forged = await s_client.PostAsync(url + "/quit", new FormUrlEncodedContent([new("token", "0000")]));
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.Contains("Hello from DevServe", await s_client.GetStringAsync(url + "/"));   // still serving

        var stopped = await s_client.PostAsync(url + "/quit", new FormUrlEncodedContent([new("token", token)]));
        Assert.Contains("Server Stopped", await stopped.Content.ReadAsStringAsync());
        Assert.Equal(0, await devserve.ExitCodeAsync());
        Assert.EndsWith("\nWeb Server stopped.\n", devserve.Output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Ctrl_c_stops_the_server_cleanly()
    {
        await using var devserve = DevServeProcess.Start("run", Path.Combine(ExampleServlets.Directory, "hello.csx"), "--port", "0", "--no-browser");
        var url = await devserve.UrlAsync();
        await s_client.GetStringAsync(url + "/");
        // scripts/devserve execs dotnet, so the process is the server itself.
        using (var kill = Process.Start("kill", ["-INT", devserve.Id.ToString()]))
        {
            await kill.WaitForExitAsync();
        }
        Assert.Equal(0, await devserve.ExitCodeAsync());
        Assert.EndsWith("\nWeb Server stopped.\n", devserve.Output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Static_files_beside_the_script_come_first_and_never_from_outside_htdocs()
    {
        using var dir = new TempDirectory();
        var script = dir.Write("site.csx", "Response Start(Request request) => Response.Text(\"servlet \" + request.Path);\n");
        dir.Write("htdocs/style.css", "body { color: red }");
        dir.Write("secret.txt", "top secret");
        await using var devserve = DevServeProcess.Start("run", script, "--port", "0", "--no-browser");
        var url = await devserve.UrlAsync();
        var css = await s_client.GetAsync(url + "/style.css");
        Assert.Equal("text/css", css.Content.Headers.ContentType!.MediaType);
        Assert.Equal("body { color: red }", await css.Content.ReadAsStringAsync());
        Assert.Equal("servlet /other", await s_client.GetStringAsync(url + "/other"));
        foreach (var attempt in new[] { "/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt" })
        {
            var uri = new Uri(url);
            using var tcp = new TcpClient("127.0.0.1", uri.Port);
            using var stream = tcp.GetStream();
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"GET {attempt} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
            var answer = await new StreamReader(stream).ReadToEndAsync();
            Assert.DoesNotContain("top secret", answer);
        }
    }

    [Fact]
    public async Task A_script_states_its_own_static_files_folder_and_a_save_can_change_it()
    {
        using var dir = new TempDirectory();
        dir.Write("public/hello.txt", "static hello");
        dir.Write("assets/other.txt", "other folder");
        var script = dir.Write("site.csx", "StaticFilesPath(\"public\");\nResponse Start(Request request) => Response.Text(\"servlet \" + request.Path);\n");
        await using var devserve = DevServeProcess.Start("run", script, "--port", "0", "--no-browser");
        var url = await devserve.UrlAsync();
        Assert.Equal("servlet /", await s_client.GetStringAsync(url + "/"));   // the first request waits for the first load
        Assert.Equal("static hello", await s_client.GetStringAsync(url + "/hello.txt"));
        Assert.Equal("servlet /other.txt", await s_client.GetStringAsync(url + "/other.txt"));

        Save(script, "StaticFilesPath(\"assets\");\nResponse Start(Request request) =>\n    Response.Text(\"v2 \" + request.Path);\n");
        await WaitForPageAsync(url + "/", p => p == "v2 /");
        Assert.Equal("other folder", await s_client.GetStringAsync(url + "/other.txt"));
        Assert.Equal("v2 /hello.txt", await s_client.GetStringAsync(url + "/hello.txt"));

        // Said anywhere but the top level, it is an error that says where it belongs.
        Save(script, "Response Start(Request request)\n{\n    StaticFilesPath(\"public\");\n    return Response.Text(\"v3\");\n}\n");
        var error = await WaitForPageAsync(url + "/x", p => p.Contains("The servlet failed", StringComparison.Ordinal));
        Assert.Contains("StaticFilesPath works at a script&#39;s top level", error);
    }

    [Fact]
    public async Task Continuation_urls_at_the_root_belong_to_the_servlet_even_beside_htdocs()
    {
        using var dir = new TempDirectory();
        var script = dir.Write("count.csx", """
            async Task<Response> Start(Request request)
            {
                for (var n = 1; ; n++)
                {
                    await SendSuspend(k => Response.Html($"<p>step {n}</p><a href=\"{k}\">next</a>"));
                }
            }
            """);
        dir.Write("htdocs/style.css", "p { color: red }");
        await using var devserve = DevServeProcess.Start("run", script, "--port", "0", "--no-browser");
        var url = await devserve.UrlAsync();
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };
        var link = Browser.FirstLink(await client.GetStringAsync(url + "/"));
        Assert.StartsWith("/;k=", link);
        var step2 = await client.GetAsync(url + link);
        Assert.Equal(HttpStatusCode.OK, step2.StatusCode);   // the servlet's, not the file server's 302 to "/;k=.../"
        var page = await step2.Content.ReadAsStringAsync();
        Assert.Contains("step 2", page);
        Assert.StartsWith("/;k=", Browser.FirstLink(page));
        // A trailing slash (what the old redirect made) still goes to the servlet, and never yields a "//" link.
        var slashed = await client.GetStringAsync(url + Browser.FirstLink(page) + "/");
        Assert.Contains("step 3", slashed);
        Assert.StartsWith("/;k=", Browser.FirstLink(slashed));
        var expired = await client.GetAsync(url + "/;k=1.99.0123456789abcdef/");
        Assert.Equal(HttpStatusCode.NotFound, expired.StatusCode);
        Assert.Contains("<a href=\"/\">Start over</a>", await expired.Content.ReadAsStringAsync());
        Assert.Equal("p { color: red }", await client.GetStringAsync(url + "/style.css"));
    }

    [Fact]
    public async Task Servlet_path_limits_the_servlet_and_log_file_records_requests()
    {
        using var dir = new TempDirectory();
        var script = dir.Write("app.csx", "Response Start(Request request) => Response.Text(\"app\");\n");
        var log = Path.Combine(dir.Path, "access.log");
        await using var devserve = DevServeProcess.Start("run", script, "--port", "0", "--no-browser",
            "--servlet-path", "/app", "--log-file", log, "--log-format", "combined");
        var url = await devserve.UrlAsync();
        Assert.Equal("app", await s_client.GetStringAsync(url + "/app"));
        Assert.Equal(HttpStatusCode.NotFound, (await s_client.GetAsync(url + "/elsewhere")).StatusCode);
        var deadline = Stopwatch.StartNew();
        while (!(File.Exists(log) && File.ReadAllText(log).Contains("/elsewhere")) && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(25);   // the log is written by a background task of another process
        }
        var lines = File.ReadAllLines(log);
        Assert.Contains(lines, l => l.Contains("\"GET /app HTTP/1.1\" 200 3 \"-\""));
        Assert.Contains(lines, l => l.Contains("\"GET /elsewhere HTTP/1.1\" 404"));
    }

    [Fact]
    public async Task Stateless_pages_outlive_an_unrelated_edit_and_a_changed_method_refuses_them_by_name()
    {
        using var dir = new TempDirectory();
        const string Add = "async Task<Response> Start(Request r)\n{\n    var a = await SendSuspend(k => Response.Html($\"<a href=\\\"{k}\\\">PAGE</a>\"));\n"
            + "    return Response.Text(\"VERSION \" + a.Bindings[\"n\"]);\n}\n";
        var script = dir.Write("s.csx", Add.Replace("VERSION", "one").Replace("PAGE", "next"));
        await using var devserve = DevServeProcess.Start("run", script, "--port", "0", "--no-browser", "--stateless");
        var url = await devserve.UrlAsync();
        var k = Browser.FirstLink(await s_client.GetStringAsync(url + "/"));
        Assert.Contains(";c=", k);
        Assert.Equal("one 5", await s_client.GetStringAsync(url + k + "?n=5"));
        // The page's lambda is not the suspended method: editing it keeps old links working.
        Save(script, Add.Replace("VERSION", "one").Replace("PAGE", "onward"));
        await WaitForPageAsync(url + "/", p => p.Contains("onward"));
        Assert.Equal("one 6", await s_client.GetStringAsync(url + k + "?n=6"));
        // Start itself changed: its old links are refused, by name, and nothing runs.
        Save(script, Add.Replace("VERSION", "two").Replace("PAGE", "onward"));
        var refused = await WaitForPageAsync(url + k + "?n=7", p => p.Contains("changed"));
        Assert.Contains("Start has changed since this page was made", refused);
        Assert.Equal(HttpStatusCode.Conflict, (await s_client.GetAsync(url + k + "?n=7")).StatusCode);
    }

    [Fact]
    public async Task A_busy_port_is_reported_with_Racket_words_and_a_nonzero_exit()
    {
        using var occupier = new TcpListener(IPAddress.Loopback, 0);
        occupier.Start();
        var port = ((IPEndPoint)occupier.LocalEndpoint).Port;
        await using var devserve = DevServeProcess.Start("run", Path.Combine(ExampleServlets.Directory, "hello.csx"),
            "--port", port.ToString(), "--no-browser");
        Assert.NotEqual(0, await devserve.ExitCodeAsync(TimeSpan.FromSeconds(120)));
        Assert.Contains("There was an error starting the Web server.", devserve.Errors);
        Assert.Contains($"The TCP port ({port}) is already in use.", devserve.Errors);
    }

    [Fact]
    public async Task A_missing_file_or_a_bad_argument_is_one_clear_line_and_exit_code_2()
    {
        await using (var missing = DevServeProcess.Start("run", "/nonexistent/servlet.csx", "--no-browser"))
        {
            Assert.Equal(2, await missing.ExitCodeAsync(TimeSpan.FromSeconds(120)));
            Assert.Contains("no such file", missing.Errors);
        }
        await using var bad = DevServeProcess.Start("run", Path.Combine(ExampleServlets.Directory, "hello.csx"), "--port", "70000");
        Assert.Equal(2, await bad.ExitCodeAsync(TimeSpan.FromSeconds(120)));
        Assert.Contains("--port must be between 0 and 65535", bad.Errors);
    }

    [Theory]
    [InlineData("--port", "abc", "--port")]
    [InlineData("--port", "-5", "--port")]
    [InlineData("--listen-ip", "999.1.1.1", "--listen-ip 999.1.1.1")]
    [InlineData("--htdocs", "/nonexistent-devserve-dir", "--htdocs /nonexistent-devserve-dir")]
    [InlineData("--log-file", "/nonexistent-devserve-dir/access.log", "--log-file /nonexistent-devserve-dir/access.log")]
    [InlineData("--ssl-cert", "/nonexistent-devserve-dir/cert.pem", "--ssl-cert")]
    [InlineData("--node-id", "a-b", "--node-id")]
    [InlineData("--node-id", "", "--node-id")]
    [InlineData("--store", "/tmp/urls", "--stateless")]       // where stateless links go, without --stateless
    [InlineData("--key-ring", "/tmp/ring.json", "--stateless")]
    public async Task Every_bad_argument_is_one_line_naming_the_option_and_exit_code_2(string option, string value, string named)
    {
        string[] args = ["run", Path.Combine(ExampleServlets.Directory, "hello.csx"), "--no-browser", option, value];
        if (option == "--ssl-cert")
        {
            args = [.. args, "--ssl-key", "/nonexistent-devserve-dir/key.pem"];
        }
        await using var devserve = DevServeProcess.Start(args);
        Assert.Equal(2, await devserve.ExitCodeAsync(TimeSpan.FromSeconds(120)));
        var lines = devserve.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("devserve: building", StringComparison.Ordinal)).ToArray();   // scripts/devserve after a change
        Assert.Single(lines);
        Assert.StartsWith("devserve: ", lines[0]);
        Assert.Contains(named, lines[0]);
        Assert.DoesNotContain("Your Web application", devserve.Output);
    }

    [Theory]
    [InlineData("--key-ring", "http://127.0.0.1:6379", "not a Redis URL")]
    [InlineData("--key-ring", "/nonexistent-devserve-dir/ring.json", "/nonexistent-devserve-dir")]
    [InlineData("--store", "redis://127.0.0.1:6379/db", "the database is a number")]
    public async Task A_bad_store_or_key_ring_is_one_line_and_exit_code_2(string option, string value, string named)
    {
        await using var devserve = DevServeProcess.Start("run", Path.Combine(ExampleServlets.Directory, "hello.csx"), "--no-browser", "--stateless", option, value);
        Assert.Equal(2, await devserve.ExitCodeAsync(TimeSpan.FromSeconds(120)));
        var lines = devserve.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("devserve: building", StringComparison.Ordinal)).ToArray();
        Assert.Single(lines);
        Assert.StartsWith("devserve: ", lines[0]);
        Assert.Contains(named, lines[0]);
    }

    [Fact]
    public async Task Keys_lists_rotates_and_retires_a_ring_and_refuses_what_would_break_it()
    {
        using var dir = new TempDirectory();
        var ring = Path.Combine(dir.Path, "ring.json");
        async Task<(int Code, string Output, string Errors)> Keys(params string[] args)
        {
            await using var keys = DevServeProcess.Start(["keys", .. args, "--key-ring", ring]);
            var code = await keys.ExitCodeAsync(TimeSpan.FromSeconds(120));
            return (code, keys.Output, keys.Errors);
        }
        var none = await Keys("list");   // a mistyped ring is an error, not a fresh ring the nodes would switch to
        Assert.Equal(2, none.Code);
        Assert.Contains("there is no key ring there", none.Errors, StringComparison.Ordinal);
        Assert.False(File.Exists(ring));
        _ = KeyRing.File(ring).Entries;   // as a node's first start makes it
        var listed = await Keys("list");
        Assert.Equal(0, listed.Code);
        var first = listed.Output.Split(' ')[0];
        Assert.Matches("^[0-9a-f]{8}$", first);
        Assert.Contains("signs", listed.Output, StringComparison.Ordinal);
        var retireNewest = await Keys("retire", first);
        Assert.Equal(2, retireNewest.Code);
        Assert.Contains("Rotate first", retireNewest.Errors, StringComparison.Ordinal);
        Assert.Equal(0, (await Keys("rotate")).Code);
        listed = await Keys("list");
        Assert.Equal(2, listed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains($"{first}  ", listed.Output, StringComparison.Ordinal);
        Assert.Equal(0, (await Keys("retire", first)).Code);
        Assert.DoesNotContain(first, (await Keys("list")).Output, StringComparison.Ordinal);
        Assert.Equal(2, (await Keys("retire", "ffffffff")).Code);
    }

    [Fact]
    public async Task The_store_and_key_ring_may_come_from_the_environment_and_are_checked_as_the_options_are()
    {
        using var dir = new TempDirectory();
        var ring = Path.Combine(dir.Path, "ring.json");
        var devserveScript = Path.Combine(DevServeProcess.RepositoryRoot, "scripts", "devserve");
        string[] args = ["run", Path.Combine(ExampleServlets.Directory, "stateless-add.csx"), "--port", "0", "--no-browser", "--stateless"];
        await using (var devserve = DevServeProcess.StartProgram(devserveScript, null, new Dictionary<string, string> { ["DEVSERVE_KEY_RING"] = ring }, args))
        {
            var url = await devserve.UrlAsync();
            Assert.Contains(";c=", await s_client.GetStringAsync(url + "/"), StringComparison.Ordinal);
            Assert.True(File.Exists(ring));   // the ring the environment names, made on first start
        }
        await using var bad = DevServeProcess.StartProgram(devserveScript, null, new Dictionary<string, string> { ["DEVSERVE_URL_STORE"] = "http://127.0.0.1:6379" }, args);
        Assert.Equal(2, await bad.ExitCodeAsync(TimeSpan.FromSeconds(120)));
        Assert.Contains("not a Redis URL", bad.Errors, StringComparison.Ordinal);
    }
}
