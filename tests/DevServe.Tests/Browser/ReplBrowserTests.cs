using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DevServe.Tests;

/// <summary>The REPL in the browser (Debian's chromium): the terminal's session, with completion, errors and the servlet beside it.</summary>
public sealed partial class ReplBrowserTests
{
    [GeneratedRegex(@"The same session in the browser, beside the servlet: (http://\S+\?token=[0-9a-f]+)")]
    private static partial Regex PageUrl();

    [Fact]
    public async Task Defining_Start_in_the_browser_REPL_changes_the_page_beside_it_with_completion_and_errors_shown()
    {
        using var dir = new TempDirectory();
        await using var repl = DevServeProcess.StartWithInput(new Dictionary<string, string> { ["DEVSERVE_REPL_HISTORY"] = Path.Combine(dir.Path, "history") },
            "repl", "--port", "0", "--no-browser");
        await repl.WaitForOutputAsync("The same session in the browser", timeout: TimeSpan.FromSeconds(120));   // whole lines: the URL is all there
        var url = PageUrl().Match(repl.Output).Groups[1].Value;

        await using var browser = await Chromium.LaunchAsync();
        var page = await browser.NewPageAsync();
        await page.GotoAsync(url);
        var entry = page.Locator("#entry");
        var servlet = page.FrameLocator("#servlet");
        // The servlet is framed from the other loopback name: a script in its pages cannot reach the REPL's.
        Assert.StartsWith("http://127.0.0.1:", await page.Locator("#servlet").GetAttributeAsync("src"));
        await Expect(servlet.Locator("h1")).ToHaveTextAsync("No servlet yet");

        // Define Start: the page beside it follows.
        await entry.FillAsync("Response Start(Request request) => Response.Html(\"<h1>From the browser REPL</h1>\");");
        await entry.PressAsync("Enter");
        await Expect(page.Locator("#log .serving")).ToContainTextAsync("Serving Start at", new() { Timeout = 60_000 });   // the first entry compiles cold
        await Expect(servlet.Locator("h1")).ToHaveTextAsync("From the browser REPL", new() { Timeout = 20_000 });
        await repl.WaitForOutputAsync("(browser) > Response Start");   // the terminal sees it too

        // An incomplete entry gets a new line, not an error.
        await entry.FillAsync("int Twice(int x) {");
        await entry.PressAsync("End");
        await entry.PressAsync("Enter");
        await Expect(entry).ToHaveValueAsync("int Twice(int x) {\n");
        await entry.PressSequentiallyAsync("return 2 * x; }");
        await entry.PressAsync("Enter");

        // Completion: a popup of a variable's members; Enter picks one.
        await entry.FillAsync("var words = new List<string> { \"a\" };");
        await entry.PressAsync("Enter");
        await Expect(page.Locator("#log .in").Last).ToHaveTextAsync("var words = new List<string> { \"a\" };");
        await entry.FillAsync("words.Ad");
        await entry.PressAsync("End");
        await entry.PressAsync("Tab");
        var popup = page.Locator("#completions");
        await Expect(popup.Locator("li", new() { HasTextString = "AddRange" })).ToBeVisibleAsync(new() { Timeout = 30_000 });   // Roslyn's first completion loads its parts
        await entry.PressAsync("Enter");
        await Expect(entry).ToHaveValueAsync("words.Add");

        // Values, errors, and a page shown inline.
        await entry.FillAsync("Twice(21)");
        await entry.PressAsync("Enter");
        await Expect(page.Locator("#log .value").Last).ToHaveTextAsync("42");
        await entry.FillAsync("nothingLikeThis + 1");
        await entry.PressAsync("Enter");
        await Expect(page.Locator("#log .error").Last).ToContainTextAsync("CS0103");
        await entry.FillAsync("ShowInBrowser(\"<p id='shown'>shown inline</p>\")");
        await entry.PressAsync("Enter");
        await Expect(page.Locator("#log iframe").Last.ContentFrame.Locator("#shown")).ToHaveTextAsync("shown inline");

        // Up walks the history.
        await entry.FillAsync("");
        await entry.PressAsync("ArrowUp");
        await Expect(entry).ToHaveValueAsync("ShowInBrowser(\"<p id='shown'>shown inline</p>\")");
    }

    [Fact]
    public async Task The_browser_REPLs_calls_need_the_pages_token_and_its_origin()
    {
        using var dir = new TempDirectory();
        await using var repl = DevServeProcess.StartWithInput(new Dictionary<string, string> { ["DEVSERVE_REPL_HISTORY"] = Path.Combine(dir.Path, "history") }, "repl", "--port", "0", "--no-browser");
        await repl.WaitForOutputAsync("The same session in the browser", timeout: TimeSpan.FromSeconds(120));
        var url = new Uri(PageUrl().Match(repl.Output).Groups[1].Value);
        using var client = new HttpClient { BaseAddress = new Uri(url.GetLeftPart(UriPartial.Authority)) };
        var token = Regex.Match(url.Query, "token=([0-9a-f]+)").Groups[1].Value;
        var page = await client.GetAsync(url);
        Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());   // nothing frames it
        Assert.DoesNotContain(token, await page.Content.ReadAsStringAsync());   // the page's HTML never holds the token
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(url.AbsolutePath)).StatusCode);   // the URL without it

        async Task<HttpStatusCode> RunAsync(string? withToken, string? origin)
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, "/__devserve/repl/run")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["code"] = "System.IO.File.WriteAllText(\"/tmp/x\", \"\")", ["token"] = withToken ?? "" }),
            };
            if (origin is not null)
            {
                message.Headers.Add("Origin", origin);
            }
            return (await client.SendAsync(message)).StatusCode;
        }
        var own = client.BaseAddress!.GetLeftPart(UriPartial.Authority).TrimEnd('/');
        Assert.Equal(HttpStatusCode.Forbidden, await RunAsync(null, own));
        Assert.Equal(HttpStatusCode.Forbidden, await RunAsync(token, "http://evil.example"));
        Assert.Equal(HttpStatusCode.Forbidden, await RunAsync(token, null));
        Assert.DoesNotContain("(browser) >", repl.Output);
        using var history = new HttpRequestMessage(HttpMethod.Post, "/__devserve/repl/history")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }),
        };
        history.Headers.Add("Origin", own);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(history)).StatusCode);
    }
}
