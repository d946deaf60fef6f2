using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using DevServe.Hosting;

namespace DevServe.Tests;

/// <summary>Whole sites through <see cref="Server.ServeWebConfig"/>: hosts, realms, logs, <c>/conf/</c> URLs, servlets, files.</summary>
public sealed partial class ServeWebConfigTests
{
    [GeneratedRegex("action=\"([^\"]+)\"")]
    private static partial Regex Action();

    /// <summary>A site in a temporary directory: conf/ pages, htdocs/ with servlets, a passwords file.</summary>
    private static TempDirectory Site()
    {
        var dir = new TempDirectory();
        dir.Write("conf/not-found.html", "<p>custom not found</p>");
        dir.Write("conf/forbidden.html", "<p>custom forbidden</p>");
        dir.Write("conf/servlet-refresh.html", "<p>servlets refreshed</p>");
        dir.Write("conf/collect-garbage.html", "<p>collected</p>");
        dir.Write("conf/passwords-refresh.html", "<p>passwords refreshed</p>");
        dir.Write("htdocs/index.html", "<p>default host index</p>");
        dir.Write("htdocs/data.dsv", "a;b");
        dir.Write("mime.types", "# test types\napplication/x-devserve-test dsv\n");
        dir.Write("passwords", "'((\"secret stuff\" \"/secret(/.*)?\" (bubba \"bbq\") (|Billy| \"BoB\") (aladdin \"open sesame\")))");
        dir.Write("htdocs/servlets/hello.csx", "Response Start(Request request) => Response.Html(\"<p>Hello, Web!</p>\");\n");
        dir.Write("htdocs/servlets/path.csx", "Response Start(Request request) => Response.Text(request.Uri.AbsolutePath + \" in \" + Path.GetFileName(CurrentDirectory));\n");
        dir.Write("htdocs/servlets/count.csx", "var loads = 0;\nResponse Start(Request request) => Response.Text($\"{++loads}\");\n");
        File.Copy(Path.Combine(ExampleServlets.Directory, "add.csx"), Path.Combine(dir.Path, "htdocs", "servlets", "add.csx"));
        dir.Write("blog/htdocs/start.html", "<p>the blog</p>");
        return dir;
    }

    private static WebConfig Config(TempDirectory site, LogFormat format = LogFormat.ParenthesizedDefault) => new()
    {
        BaseDirectory = site.Path,
        DefaultHost = new HostTable { LogFormat = format },
        VirtualHosts = [new VirtualHost("blog\\.local", new HostTable { Indices = ["start.html"], Paths = new HostPaths { HostRoot = "blog", LogFile = null } })],
    };

    private static async Task<HttpResponseMessage> GetAsync(LoopbackServer server, string path, string? host = null, string? authorization = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (host is not null)
        {
            request.Headers.Host = host;
        }
        if (authorization is not null)
        {
            request.Headers.Authorization = AuthenticationHeaderValue.Parse(authorization);
        }
        return await server.Client.SendAsync(request);
    }

    [Fact]
    public async Task Virtual_hosts_match_the_Host_header_in_any_case_with_a_port_else_the_default_host()
    {
        using var site = Site();
        await using var server = await LoopbackServer.StartSiteAsync(Config(site), new ScriptServletLoader(TestHosting.NoCache));
        Assert.Contains("the blog", await (await GetAsync(server, "/", "BLOG.local:8080")).Content.ReadAsStringAsync());   // its own index
        Assert.Contains("the blog", await (await GetAsync(server, "/", "blog.local")).Content.ReadAsStringAsync());
        Assert.Contains("default host index", await (await GetAsync(server, "/", "localhost")).Content.ReadAsStringAsync());
        // Bound to loopback, other names get 421 (DNS rebinding); Racket's unanchored match would take the second for the blog.
        Assert.Equal(HttpStatusCode.MisdirectedRequest, (await GetAsync(server, "/", "notblog.local")).StatusCode);
        Assert.Equal(HttpStatusCode.MisdirectedRequest, (await GetAsync(server, "/", "blog.local.example")).StatusCode);
    }

    [Fact]
    public async Task Realms_ask_for_Basic_credentials_and_let_Aladdin_in()
    {
        using var site = Site();
        await using var server = await LoopbackServer.StartSiteAsync(Config(site));
        var denied = await GetAsync(server, "/secret/something");
        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
        Assert.Equal("Basic realm=\"secret stuff\"", denied.Headers.WwwAuthenticate.ToString());
        Assert.Contains("custom forbidden", await denied.Content.ReadAsStringAsync());
        // Racket's case: "Aladdin" (user names ignore case) with "open sesame" passes on, here to the not-found page.
        var allowed = await GetAsync(server, "/secret/something", authorization: "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        Assert.Equal(HttpStatusCode.NotFound, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(server, "/secret/x", authorization: "Basic QWxhZGRpbjp3cm9uZw==")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(server, "/not-secret")).StatusCode);
        Assert.Contains("passwords refreshed", await (await GetAsync(server, "/conf/refresh-passwords")).Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(LogFormat.ParenthesizedDefault, "^\\(from \"127\\.0\\.0\\.1\" to \"127\\.0\\.0\\.1\" for \"/index\\.html\" at \"[^\"]+\" code 200\\)$")]
    [InlineData(LogFormat.Extended, "^\\(\\(client-ip \"127\\.0\\.0\\.1\"\\) \\(host-ip \"127\\.0\\.0\\.1\"\\) \\(referer #f\\) \\(uri \"http://127\\.0\\.0\\.1:\\d+/index\\.html\"\\) \\(time \\d+\\) \\(code 200\\)\\)$")]
    [InlineData(LogFormat.ApacheDefault, "^127\\.0\\.0\\.1 - - \\[[^\\]]+\\] \"GET /index\\.html HTTP/1\\.1\" 200 \\d+$")]
    [InlineData(LogFormat.Combined, "^127\\.0\\.0\\.1 - - \\[[^\\]]+\\] \"GET /index\\.html HTTP/1\\.1\" 200 \\d+ \"-\" \"devserve-test\"$")]
    public async Task The_request_log_writes_the_host_format(LogFormat format, string line)
    {
        using var site = Site();
        await using (var server = await LoopbackServer.StartSiteAsync(Config(site, format)))
        {
            server.Client.DefaultRequestHeaders.UserAgent.ParseAdd("devserve-test");
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(server, "/index.html")).StatusCode);
        }
        // The log is written in the background; stopping the server flushed it.
        var log = Path.Combine(site.Path, "log");
        var watch = Stopwatch.StartNew();
        while (!(File.Exists(log) && File.ReadAllText(log).Contains('\n')) && watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);   // another thread writes the file; bounded by the deadline
        }
        Assert.Matches(line, File.ReadAllLines(log).Single());
    }

    [Fact]
    public async Task The_servlets_directory_runs_each_file_with_path_info_and_its_own_conversations()
    {
        using var site = Site();
        await using var server = await LoopbackServer.StartSiteAsync(Config(site), new ScriptServletLoader(TestHosting.NoCache));
        Assert.Equal("<p>Hello, Web!</p>", await server.Client.GetStringAsync("/servlets/hello.csx"));
        Assert.Equal("/servlets/path.csx/extra/path in servlets", await server.Client.GetStringAsync("/servlets/path.csx/extra/path"));
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync("/servlets/unknown.csx")).StatusCode);
        Assert.Contains("custom not found", await (await server.Client.GetAsync("/servlets/unknown.csx")).Content.ReadAsStringAsync());

        // add.csx: form → number → form → number → the sum.
        var first = Action().Match(await server.Client.GetStringAsync("/servlets/add.csx")).Groups[1].Value;
        var second = Action().Match(await (await server.Client.PostAsync(first, new FormUrlEncodedContent([new("number", "20")]))).Content.ReadAsStringAsync()).Groups[1].Value;
        var sum = await (await server.Client.PostAsync(second, new FormUrlEncodedContent([new("number", "22")]))).Content.ReadAsStringAsync();
        Assert.Contains("The answer is 42", sum);

        // A servlet's top level runs once per load; /conf/refresh-servlets loads it again.
        Assert.Equal("1", await server.Client.GetStringAsync("/servlets/count.csx"));
        Assert.Equal("2", await server.Client.GetStringAsync("/servlets/count.csx"));
        Assert.Contains("servlets refreshed", await server.Client.GetStringAsync("/conf/refresh-servlets"));
        Assert.Equal("1", await server.Client.GetStringAsync("/servlets/count.csx"));
        Assert.Contains("collected", await server.Client.GetStringAsync("/conf/collect-garbage"));
    }

    [Fact]
    public async Task An_edited_servlet_is_reloaded_and_a_broken_one_shows_the_compile_error()
    {
        using var site = Site();
        await using var server = await LoopbackServer.StartSiteAsync(Config(site), new ScriptServletLoader(TestHosting.NoCache));
        var script = Path.Combine(site.Path, "htdocs", "servlets", "hello.csx");
        Assert.Equal("<p>Hello, Web!</p>", await server.Client.GetStringAsync("/servlets/hello.csx"));

        File.WriteAllText(script, "Response Start(Request request) =>\n    Response.Html(42);\n");
        var broken = await PollAsync(server, "/servlets/hello.csx", page => page.Contains("does not compile"));
        Assert.Contains("hello.csx:2:19", broken);
        File.WriteAllText(script, "Response Start(Request request) => Response.Html(\"<p>edited</p>\");\n");
        await PollAsync(server, "/servlets/hello.csx", page => page == "<p>edited</p>");
    }

    private static async Task<string> PollAsync(LoopbackServer server, string path, Func<string, bool> done)
    {
        var watch = Stopwatch.StartNew();
        var page = "";
        while (watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            page = await (await server.Client.GetAsync(path)).Content.ReadAsStringAsync();
            if (done(page))
            {
                return page;
            }
            await Task.Delay(25);   // the reload happens on the file watcher's thread; bounded by the deadline
        }
        throw new TimeoutException("The servlet never changed; last seen:\n" + page);
    }

    [Fact]
    public async Task Static_files_use_the_host_indices_and_mime_types()
    {
        using var site = Site();
        await using var server = await LoopbackServer.StartSiteAsync(Config(site));
        Assert.Contains("default host index", await server.Client.GetStringAsync("/"));
        var data = await server.Client.GetAsync("/data.dsv");
        Assert.Equal("application/x-devserve-test", data.Content.Headers.ContentType?.MediaType);
        Assert.Equal("text/html", (await server.Client.GetAsync("/index.html")).Content.Headers.ContentType?.MediaType);   // not listed: built in
        // Without a loader there are no servlets: a .csx is a file like any other.
        Assert.StartsWith("Response Start", await server.Client.GetStringAsync("/servlets/hello.csx"));
    }
}
