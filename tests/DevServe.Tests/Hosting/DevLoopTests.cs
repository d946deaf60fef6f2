using System.Net;
using System.Text.RegularExpressions;
using DevServe.Hosting;

namespace DevServe.Tests;

/// <summary>Fix and retry, editor links and refresh timing, in-process: a real script servlet served on 127.0.0.1.</summary>
public sealed partial class DevLoopTests
{
    private const string Conversation = """
        async Task<Response> Start(Request request)
        {
            var names = new List<string>();
            while (true)
            {
                var next = await SendSuspend(k => Response.Html($"<form method=\"post\" action=\"{k}\"><input name=\"name\"></form><p>{string.Join(",", names)}</p>"));
                var name = next.Bindings["name"]!;
                if (name == "boom") throw new InvalidOperationException("boom");
                names.Add(name);
            }
        }
        """;

    [GeneratedRegex("action=\"([^\"]+)\"")]
    private static partial Regex Action();

    [GeneratedRegex("name=\"__devserve_retry\" value=\"([0-9a-f]+)\"")]
    private static partial Regex RetryToken();

    private static async Task<string> PostAsync(LoopbackServer server, string url, params (string, string)[] fields)
    {
        using var form = new FormUrlEncodedContent(fields.Select(f => KeyValuePair.Create(f.Item1, f.Item2)));
        return await (await server.Client.PostAsync(url, form)).Content.ReadAsStringAsync();
    }

    // Saves the script and waits for the version it makes (one save, one swap: each test's file is its own).
    private static Task<int> SaveAsync(ScriptServlet servlet, string path, string text)
        => servlet.SaveAsync(path, text, TimeSpan.FromSeconds(60));

    private static string Next(string page) => WebUtility.HtmlDecode(Action().Match(page).Groups[1].Value);

    [Fact]
    public async Task Retrying_a_failure_mid_conversation_replays_the_conversation_on_the_new_code_then_the_failed_request()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("names.csx", Conversation);
        await using var servlet = new ScriptServlet(path, TestHosting.NoCache);
        await using var server = await LoopbackServer.StartAsync(servlet.Dispatch);

        var page = await server.Client.GetStringAsync("/");
        page = await PostAsync(server, Next(page), ("name", "ann"));
        page = await PostAsync(server, Next(page), ("name", "bob"));
        Assert.Contains("<p>ann,bob</p>", page);
        var failedUrl = Next(page);
        var failed = await server.Client.PostAsync(failedUrl, new FormUrlEncodedContent([KeyValuePair.Create("name", "boom")]));
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        var error = await failed.Content.ReadAsStringAsync();
        Assert.Contains("Retry with the new code", error);
        Assert.Contains("the conversation's 3 earlier request(s) run again on the new code", error);
        var token = RetryToken().Match(error).Groups[1].Value;

        await SaveAsync(servlet, path, Conversation.Replace("throw new InvalidOperationException(\"boom\")", "name = \"BOOM\"", StringComparison.Ordinal));
        var retried = await PostAsync(server, failedUrl, ("__devserve_retry", token));
        Assert.Contains("<p>ann,bob,BOOM</p>", retried);   // the earlier requests ran again on the new code, then this one

        // The retried conversation goes on live.
        Assert.Contains("<p>ann,bob,BOOM,cy</p>", await PostAsync(server, Next(retried), ("name", "cy")));
    }

    private const string Blog = """
        var posts = new List<string> { "first", "second" };
        Response Start(Request request) => SendSuspendDispatch(embed => Response.Html(
            "<ul>" + string.Concat(posts.Select((p, i) => $"<li><a href=\"{embed(r => Task.FromResult(Post(p)))}\">{p}</a></li>")) + "</ul>"));
        Response Post(string post) => SendSuspendDispatch(embed => Response.Html(
            $"<h1>{post}</h1><form method=\"post\" action=\"{embed(r => Task.FromResult(Comment(post, r.Bindings["text"]!)))}\"><input name=\"text\"></form>"));
        Response Comment(string post, string text) => throw new InvalidOperationException("comments are not written yet");
        """;

    [GeneratedRegex("href=\"([^\"]+)\"")]
    private static partial Regex Href();

    [Fact]
    public async Task Retrying_a_failure_in_an_embedded_handler_follows_the_same_links_on_the_new_pages()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("blog.csx", Blog);
        await using var servlet = new ScriptServlet(path, TestHosting.NoCache);
        await using var server = await LoopbackServer.StartAsync(servlet.Dispatch);

        var list = await server.Client.GetStringAsync("/");
        var second = WebUtility.HtmlDecode(Href().Matches(list)[1].Groups[1].Value);
        var post = await server.Client.GetStringAsync(second);
        Assert.Contains("<h1>second</h1>", post);
        var commentUrl = Next(post);
        var failed = await server.Client.PostAsync(commentUrl, new FormUrlEncodedContent([KeyValuePair.Create("text", "nice")]));
        var error = await failed.Content.ReadAsStringAsync();
        Assert.Contains("the conversation's 2 earlier request(s) run again on the new code", error);
        var token = RetryToken().Match(error).Groups[1].Value;

        await SaveAsync(servlet, path, Blog.Replace("throw new InvalidOperationException(\"comments are not written yet\")",
            "Response.Html($\"<p>{text} on {post}</p>\")", StringComparison.Ordinal));
        // The second post's page again (not the first's: the link is found by its place), then the comment, on the new code.
        Assert.Contains("<p>nice on second</p>", await PostAsync(server, commentUrl, ("__devserve_retry", token)));
    }

    [Fact]
    public async Task A_catch_in_the_servlet_does_not_take_the_retrys_way_into_the_handler()
    {
        using var dir = new TempDirectory();
        var guarded = Blog.Replace("Response Start(Request request) => SendSuspendDispatch(", "Response Start(Request request) { try { return Listing(); } catch (Exception e) { return Response.Text(\"caught \" + e.GetType().Name); } }\nResponse Listing() => SendSuspendDispatch(", StringComparison.Ordinal);
        var path = dir.Write("guarded.csx", guarded);
        await using var servlet = new ScriptServlet(path, TestHosting.NoCache);
        await using var server = await LoopbackServer.StartAsync(servlet.Dispatch);
        var list = await server.Client.GetStringAsync("/");
        var post = await server.Client.GetStringAsync(WebUtility.HtmlDecode(Href().Matches(list)[0].Groups[1].Value));
        var error = await PostAsync(server, Next(post), ("text", "hi"));
        var token = RetryToken().Match(error).Groups[1].Value;

        await SaveAsync(servlet, path, guarded.Replace("throw new InvalidOperationException(\"comments are not written yet\")",
            "Response.Html($\"<p>{text} on {post}</p>\")", StringComparison.Ordinal));
        Assert.Contains("<p>hi on first</p>", await PostAsync(server, Next(post), ("__devserve_retry", token)));
    }

    [Theory]
    [InlineData(false, "none")]
    [InlineData(true, "2")]
    public async Task Only_a_manager_that_keeps_conversations_keeps_them_through_embedded_handlers(bool keeps, string expected)
    {
        Response Start(Request request) => Web.SendSuspendDispatch(embed => Response.Html(
            $"<a href=\"{embed(r => throw new InvalidOperationException("no"))}\">go</a>"));
        var servlet = Servlets.DispatchServlet(Start, manager: new ThresholdLruManager { KeepsConversations = keeps },
            servletErrorResponder: (r, e) => Response.Text(DevServe.Conversation.Current is { } c ? c.Requests.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none", 500));
        await using var server = await LoopbackServer.StartAsync(servlet);
        var page = await server.Client.GetStringAsync("/");
        var answer = await server.Client.GetAsync(WebUtility.HtmlDecode(Href().Match(page).Groups[1].Value));
        Assert.Equal(expected, await answer.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(false, "none")]
    [InlineData(true, "/ a b c")]
    public async Task A_manager_that_keeps_conversations_keeps_them_through_copied_continuations(bool keeps, string expected)
    {
        [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder<>))]
        static async Task<Response> Start(Request request)
        {
            for (var i = 0; i < 3; i++)
            {
                await Web.SendSuspend(k => Response.Html($"<a href=\"{k}?name={(char)('a' + i)}\">next</a>"));   // each use copies the frames
            }
            throw new InvalidOperationException("not written yet");
        }
        var servlet = Servlets.DispatchServlet(Start, manager: new ThresholdLruManager { KeepsConversations = keeps },
            servletErrorResponder: (r, e) => Response.Text(DevServe.Conversation.Current is { } c
                ? string.Join(' ', c.Requests.Select(q => q.Bindings["name"] ?? q.Uri.AbsolutePath)) : "none", 500));
        await using var server = await LoopbackServer.StartAsync(servlet);
        var page = await server.Client.GetStringAsync("/");
        HttpResponseMessage answer;
        while (true)
        {
            answer = await server.Client.GetAsync(WebUtility.HtmlDecode(Href().Match(page).Groups[1].Value));
            if (answer.StatusCode != HttpStatusCode.OK)
            {
                break;
            }
            page = await answer.Content.ReadAsStringAsync();
        }
        Assert.Equal(expected, await answer.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_retry_whose_link_the_new_page_no_longer_offers_gets_the_divergence_page()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("blog.csx", Blog);
        await using var servlet = new ScriptServlet(path, TestHosting.NoCache);
        await using var server = await LoopbackServer.StartAsync(servlet.Dispatch);
        var list = await server.Client.GetStringAsync("/");
        var post = await server.Client.GetStringAsync(WebUtility.HtmlDecode(Href().Matches(list)[1].Groups[1].Value));
        var error = await PostAsync(server, Next(post), ("text", "nice"));
        var token = RetryToken().Match(error).Groups[1].Value;

        await SaveAsync(servlet, path, Blog.Replace("{ \"first\", \"second\" }", "{ \"only\" }", StringComparison.Ordinal));
        var retried = await server.Client.PostAsync(Next(post), new FormUrlEncodedContent([KeyValuePair.Create("__devserve_retry", token)]));
        Assert.Equal(HttpStatusCode.Conflict, retried.StatusCode);
        Assert.Contains("no longer offers the link that was followed", await retried.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Retrying_a_failed_POST_sends_its_form_data_again_to_the_new_code()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("post.csx", "Response Start(Request request) => request.Method == \"POST\" ? throw new InvalidOperationException(\"not yet\") : Response.Html(\"form\");\n");
        await using var servlet = new ScriptServlet(path, TestHosting.NoCache);
        await using var server = await LoopbackServer.StartAsync(servlet.Dispatch);

        var error = await PostAsync(server, "/save?draft=1", ("title", "Hello"), ("body", "é & <b>"));
        Assert.Contains("this POST is sent again, with the same form data", error);
        var token = RetryToken().Match(error).Groups[1].Value;

        await SaveAsync(servlet, path, "Response Start(Request request) => Response.Text($\"{request.Method} {request.Uri.PathAndQuery} {request.Bindings[\"title\"]} {request.Bindings[\"body\"]}\");\n");
        Assert.Equal("POST /save?draft=1 Hello é & <b>", await PostAsync(server, "/save?draft=1", ("__devserve_retry", token)));
    }

    [Fact]
    public async Task A_POST_that_came_while_the_servlet_did_not_compile_can_be_retried_once_it_does()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("broken.csx", "Response Start(Request request) => Response.Text(missing);\n");
        await using var servlet = new ScriptServlet(path, TestHosting.NoCache);
        await using var server = await LoopbackServer.StartAsync(servlet.Dispatch);

        var error = await PostAsync(server, "/", ("x", "42"));
        Assert.Contains("The servlet does not compile", error);
        var token = RetryToken().Match(error).Groups[1].Value;
        Assert.NotEmpty(token);

        await SaveAsync(servlet, path, "Response Start(Request request) => Response.Text(\"x=\" + request.Bindings[\"x\"]);\n");
        Assert.Equal("x=42", await PostAsync(server, "/", ("__devserve_retry", token)));
    }

    [Fact]
    public async Task A_step_of_a_conversation_that_came_while_the_servlet_did_not_compile_is_retried_with_its_conversation()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("names.csx", Conversation);
        await using var servlet = new ScriptServlet(path, TestHosting.NoCache);
        await using var server = await LoopbackServer.StartAsync(servlet.Dispatch);
        var page = await PostAsync(server, Next(await server.Client.GetStringAsync("/")), ("name", "ann"));
        var nextUrl = Next(page);

        await SaveAsync(servlet, path, Conversation + "\nint broken = \"not a number\";\n");
        var error = await PostAsync(server, nextUrl, ("name", "bob"));
        Assert.Contains("The servlet does not compile", error);
        Assert.Contains("the conversation's 2 earlier request(s) run again on the new code", error);
        var token = RetryToken().Match(error).Groups[1].Value;

        await SaveAsync(servlet, path, Conversation.Replace("names.Add(name);", "names.Add(name.ToUpperInvariant());", StringComparison.Ordinal));
        Assert.Contains("<p>ANN,BOB</p>", await PostAsync(server, nextUrl, ("__devserve_retry", token)));
    }

    [Fact]
    public async Task A_retry_with_an_unknown_token_or_from_another_site_runs_nothing()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("count.csx", "var count = 0;\nResponse Start(Request request) => request.Method == \"POST\" ? throw new InvalidOperationException($\"ran {++count}\") : Response.Text($\"{count}\");\n");
        await using var servlet = new ScriptServlet(path, TestHosting.NoCache);
        await using var server = await LoopbackServer.StartAsync(servlet.Dispatch);
        var error = await PostAsync(server, "/", ("a", "b"));
        var token = RetryToken().Match(error).Groups[1].Value;

        var unknown = await server.Client.PostAsync("/", new FormUrlEncodedContent([KeyValuePair.Create("__devserve_retry", "0123456789abcdef")]));
        Assert.Equal(HttpStatusCode.Gone, unknown.StatusCode);
        using var crossSite = new HttpRequestMessage(HttpMethod.Post, "/")
        {
            Content = new FormUrlEncodedContent([KeyValuePair.Create("__devserve_retry", token)]),
        };
        crossSite.Headers.Add("Origin", "http://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, (await server.Client.SendAsync(crossSite)).StatusCode);
        Assert.Equal("1", await server.Client.GetStringAsync("/"));   // only the first POST ran
    }

    [Fact]
    public async Task Error_pages_link_each_file_line_to_the_editor_at_its_line_and_column()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("with space/throws.csx", "Response Start(Request request)\n{\n    throw new InvalidOperationException(\"no\");\n}\n");
        var options = TestHosting.NoCache with { Editor = EditorLinks.Parse("vscode") };
        await using var servlet = new ScriptServlet(path, options);
        await using var server = await LoopbackServer.StartAsync(servlet.Dispatch);

        var runtime = await (await server.Client.GetAsync("/")).Content.ReadAsStringAsync();
        var encoded = string.Join('/', path.Split('/').Select(Uri.EscapeDataString));
        Assert.Contains($"href=\"vscode://file/{encoded}:3:5\"", runtime);

        await SaveAsync(servlet, path, "Response Start(Request request) => Response.Text(nothing);\n");
        var compile = await (await server.Client.GetAsync("/")).Content.ReadAsStringAsync();
        Assert.Contains($"href=\"vscode://file/{encoded}:1:50\"", compile);
        Assert.Contains($">{WebUtility.HtmlEncode(path)}:1:50</a>", compile);
    }

    [Fact]
    public async Task A_reload_reports_what_it_did_and_how_long_it_took()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("timed.csx", "Response Start(Request request) => Response.Text(\"1\");\n");
        await using var servlet = new ScriptServlet(path, TestHosting.NoCache);
        await using var server = await LoopbackServer.StartAsync(servlet.Dispatch);
        Assert.Equal("1", await server.Client.GetStringAsync("/"));

        var version = await SaveAsync(servlet, path, "Response Start(Request request) => Response.Text(\"2\");\n");
        Assert.Matches(@"^reloaded timed\.csx in \d+ ms \(compile \d+ ms\)$", servlet.LastReload!.Text);
        Assert.True(servlet.LastReload.Compiled);

        await SaveAsync(servlet, path, "Response Start(Request request) => Response.Text(2);\n");
        Assert.Matches(@"^timed\.csx does not compile: error page after \d+ ms \(compile \d+ ms\)$", servlet.LastReload!.Text);
        Assert.False(servlet.LastReload.Compiled);
        Assert.True(servlet.LastReload.Version > version);
    }
}
