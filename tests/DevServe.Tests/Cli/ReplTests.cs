using System.Net;
using System.Text.RegularExpressions;

namespace DevServe.Tests;

/// <summary><c>devserve repl</c> driven through its standard input, as a script or a test would.</summary>
public sealed partial class ReplTests
{
    private static readonly HttpClient s_client = new() { Timeout = TimeSpan.FromSeconds(30) };

    [GeneratedRegex("action=\"([^\"]+)\"")]
    private static partial Regex Action();

    [Fact]
    public async Task Start_defined_at_the_prompt_is_served_and_follows_a_redefined_helper()
    {
        await using var repl = DevServeProcess.StartWithInput("repl", "--port", "0", "--no-browser");
        var url = await repl.UrlAsync();
        await repl.WaitForOutputAsync("#help lists the commands");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await s_client.GetAsync(url + "/")).StatusCode);   // no Start yet: a page says so

        await repl.SendAsync("string Greeting() => \"Hello v1\";");
        var mark = await repl.SendAsync("Response Start(Request request) => Response.Text(Greeting());");
        await repl.WaitForOutputAsync("Serving Start at", mark);
        Assert.Equal("Hello v1", await s_client.GetStringAsync(url + "/"));

        mark = await repl.SendAsync("string Greeting() => \"Hello v2\";");
        await repl.WaitForOutputAsync("Serving Start at", mark);
        Assert.Equal("Hello v2", await s_client.GetStringAsync(url + "/"));

        // A compile error is printed with its position; the session and the servlet go on.
        mark = await repl.SendAsync("int broken = \"text\";");
        var error = await repl.WaitForOutputAsync("error CS0029", mark);
        Assert.Contains("(1,14)", error);
        mark = await repl.SendAsync("Greeting() + \"!\"");
        await repl.WaitForOutputAsync("\"Hello v2!\"", mark);
        // A collection expression: compiled against Roslyn's assemblies as well as the framework's (a self-contained
        // devserve's folder holds both), it failed to emit (CS7038).
        mark = await repl.SendAsync("var numbers = new List<int> { 1, 2 }; numbers.AddRange([3]); $\"sum={numbers.Sum()}\"");
        Assert.DoesNotContain("error", await repl.WaitForOutputAsync("\"sum=6\"", mark), StringComparison.Ordinal);
        // So is an exception.
        mark = await repl.SendAsync("throw new InvalidOperationException(\"boom\");");
        await repl.WaitForOutputAsync("InvalidOperationException: boom", mark);
        Assert.Equal("Hello v2", await s_client.GetStringAsync(url + "/"));

        mark = await repl.SendAsync("#requests");
        var requests = await repl.WaitForOutputAsync("request(s):", mark);
        Assert.Matches(@"GET /  200  [0-9.]+ ms", requests);
        Assert.Contains("GET /  503", requests);

        mark = await repl.SendAsync("#quit");
        await repl.WaitForOutputAsync("Web Server stopped.", mark);
        Assert.Equal(0, await repl.ExitCodeAsync());
    }

    [Fact]
    public async Task A_Start_typed_at_the_prompt_resumes_without_running_again()
    {
        await using var repl = DevServeProcess.StartWithInput("repl", "--port", "0", "--no-browser");
        var url = await repl.UrlAsync();
        await repl.WaitForOutputAsync("#help lists the commands");
        await repl.SendAsync("var runs = 0;");
        var mark = await repl.SendAsync("async Task<Response> Start(Request request) { runs++; var r = await SendSuspend(k => Response.Html($\"<a href=\\\"{k}\\\">go</a>\")); return Response.Text($\"runs {runs}\"); }");
        await repl.WaitForOutputAsync("Serving Start at", mark);
        var k = Browser.FirstLink(await s_client.GetStringAsync(url + "/"));
        Assert.Equal("runs 1", await s_client.GetStringAsync(url + k));
        Assert.Equal("runs 1", await s_client.GetStringAsync(url + k));   // the back button: a copy goes on, Start does not run again
    }

    [Fact]
    public async Task A_loaded_servlet_keeps_continuations_the_prompt_can_list_and_clear()
    {
        var add = Path.Combine(ExampleServlets.Directory, "add.csx");
        await using var repl = DevServeProcess.StartWithInput("repl", add, "--port", "0", "--no-browser");
        var url = await repl.UrlAsync();
        await repl.WaitForOutputAsync("Serving Start at");   // the file's Start
        var first = Action().Match(await s_client.GetStringAsync(url + "/")).Groups[1].Value;
        var second = Action().Match(await (await s_client.PostAsync(url + first, new FormUrlEncodedContent([new("number", "1")])))
            .Content.ReadAsStringAsync()).Groups[1].Value;
        Assert.StartsWith("/;k=", second);

        var mark = await repl.SendAsync("#continuations");
        var listed = await repl.WaitForOutputAsync("instance(s):", mark);
        Assert.Contains("2 continuation(s) in 1 instance(s):", listed);
        Assert.Matches(@"instance \d+: k \d+ \([0-9.]+ s old\), k \d+ \([0-9.]+ s old\)", listed);

        // A multi-line entry: the prompt waits for the whole method.
        await repl.SendAsync("int Twice(int n)");
        await repl.SendAsync("{");
        await repl.SendAsync("    return 2 * n;");
        mark = await repl.SendAsync("}");
        await repl.WaitForOutputAsync("Serving Start at", mark);   // a new definition rebinds Start
        // The conversation goes on across the rebinding: the second number completes the sum.
        var answer = await (await s_client.PostAsync(url + second, new FormUrlEncodedContent([new("number", "2")]))).Content.ReadAsStringAsync();
        Assert.Contains("The answer is 3", answer);

        mark = await repl.SendAsync("#clear");
        await repl.WaitForOutputAsync("Continuation tables cleared", mark);
        mark = await repl.SendAsync("#continuations");
        await repl.WaitForOutputAsync("No live continuations.", mark);
        var expired = await s_client.GetAsync(url + second);
        Assert.Equal(HttpStatusCode.NotFound, expired.StatusCode);
        Assert.Contains("expired", await expired.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);

        mark = await repl.SendAsync("#exit");
        Assert.Equal(0, await repl.ExitCodeAsync());
    }

    [Fact]
    public async Task Show_in_browser_serves_a_value_as_a_page_and_reset_forgets_Start()
    {
        await using var repl = DevServeProcess.StartWithInput("repl", "--port", "0", "--no-browser");
        var url = await repl.UrlAsync();
        var mark = await repl.SendAsync("ShowInBrowser(new XElement(\"h1\", \"A quick look\"))");
        var shown = await repl.WaitForOutputAsync("/__devserve/show/1\"", mark);
        Assert.Contains($"\"{url}/__devserve/show/1\"", shown);
        Assert.Contains("<h1>A quick look</h1>", await s_client.GetStringAsync(url + "/__devserve/show/1"));

        mark = await repl.SendAsync("Response Start(Request request) => Response.Text(\"up\");");
        await repl.WaitForOutputAsync("Serving Start at", mark);
        Assert.Equal("up", await s_client.GetStringAsync(url + "/"));
        mark = await repl.SendAsync("#reset");
        await repl.WaitForOutputAsync("are gone", mark);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await s_client.GetAsync(url + "/")).StatusCode);
        mark = await repl.SendAsync("Start");
        await repl.WaitForOutputAsync("error CS0103", mark);   // the name is gone too
        repl.CloseInput();
        Assert.Equal(0, await repl.ExitCodeAsync());   // end of input ends the REPL and the server
    }
}
