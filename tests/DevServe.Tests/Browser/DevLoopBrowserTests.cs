using System.Collections.Concurrent;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DevServe.Tests;

/// <summary>The development loop in Debian's chromium: fix and retry, the console in devtools, refresh timing, editor links.</summary>
public sealed class DevLoopBrowserTests
{
    private static readonly LocatorAssertionsToHaveTextOptions s_saved = new() { Timeout = 30_000 };

    [Fact]
    public async Task A_failed_GET_is_sent_again_by_itself_once_the_fix_is_saved()
    {
        using var dir = new TempDirectory();
        var script = dir.Write("get.csx", "Response Start(Request request) => throw new InvalidOperationException(\"not written yet\");\n");
        await using var devserve = DevServeProcess.Start("run", script, "--port", "0", "--no-browser");
        var url = await devserve.UrlAsync();
        await using var browser = await Chromium.LaunchAsync();
        var page = await browser.NewPageAsync();

        await page.GotoAsync(url + "/report?year=2026");
        await Expect(page.Locator("h1")).ToHaveTextAsync("The servlet failed");
        File.WriteAllText(script, """Response Start(Request request) => Response.Html("<h1>Report " + request.Bindings["year"] + "</h1>");""");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Report 2026", s_saved);
    }

    [Fact]
    public async Task A_failed_POST_is_sent_again_with_its_form_data_after_a_confirm()
    {
        using var dir = new TempDirectory();
        var script = dir.Write("post.csx", """
            Response Start(Request request) => request.Method == "POST"
                ? throw new InvalidOperationException("saving is not written yet")
                : Response.Html("<form method=\"post\" action=\"/save\"><input name=\"title\"><button>Save</button></form>");
            """);
        await using var devserve = DevServeProcess.Start("run", script, "--port", "0", "--no-browser");
        var url = await devserve.UrlAsync();
        await using var browser = await Chromium.LaunchAsync();
        var page = await browser.NewPageAsync();
        var confirms = 0;
        page.Dialog += async (_, dialog) =>
        {
            Interlocked.Increment(ref confirms);
            await dialog.AcceptAsync();
        };

        await page.GotoAsync(url + "/");
        await page.Locator("input[name=title]").FillAsync("First post");
        await page.Locator("button").ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("The servlet failed");
        var retry = page.GetByRole(AriaRole.Button, new() { Name = "Retry with the new code" });
        await Expect(retry).ToBeDisabledAsync();

        File.WriteAllText(script, """Response Start(Request request) => Response.Html("<h1>Saved " + request.Method + " " + request.Bindings["title"] + "</h1>");""");
        await Expect(retry).ToBeEnabledAsync(new() { Timeout = 30_000 });
        await retry.ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Saved POST First post", s_saved);
        Assert.Equal(1, confirms);
    }

    [Fact]
    public async Task With_retry_automatically_ticked_a_failure_mid_conversation_replays_it_on_the_new_code_by_itself()
    {
        using var dir = new TempDirectory();
        const string roster = """
            async Task<Response> Start(Request request)
            {
                var names = new List<string>();
                while (true)
                {
                    var next = await SendSuspend(k => Response.Html($"<form method=\"post\" action=\"{k}\"><input name=\"name\"><button>Add</button></form><h1>{string.Join(",", names)}</h1>"));
                    names.Add(Check(next.Bindings["name"]!));
                }
            }
            string Check(string name) => name.Length > 3 ? throw new ArgumentException("too long: " + name) : name;
            """;
        var script = dir.Write("roster.csx", roster);
        await using var devserve = DevServeProcess.Start("run", script, "--port", "0", "--no-browser");
        var url = await devserve.UrlAsync();
        await using var browser = await Chromium.LaunchAsync();
        var page = await browser.NewPageAsync();
        page.Dialog += (_, dialog) => throw new InvalidOperationException("retry automatically must not ask: " + dialog.Message);

        await page.GotoAsync(url + "/");
        // Each step waits for the page it makes (not for a load event, which a busy machine may deliver after the
        // next click).
        foreach (var (name, shows) in new[] { ("ann", "ann"), ("bob", "ann,bob"), ("clementine", "The servlet failed") })
        {
            await page.Locator("input[name=name]").FillAsync(name);
            await page.Locator("button").ClickAsync();
            await Expect(page.Locator("h1")).ToHaveTextAsync(shows, s_saved);
        }
        await page.Locator("#devserve-retry-auto").CheckAsync();

        File.WriteAllText(script, roster.Replace("name.Length > 3", "name.Length > 30", StringComparison.Ordinal));
        await Expect(page.Locator("h1")).ToHaveTextAsync("ann,bob,clementine", s_saved);
        // The conversation goes on live from there.
        await page.Locator("input[name=name]").FillAsync("dee");
        await page.Locator("button").ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("ann,bob,clementine,dee");
    }

    [Fact]
    public async Task A_servlets_console_lines_and_each_reloads_timing_show_in_the_devtools_console()
    {
        using var dir = new TempDirectory();
        var script = dir.Write("chatty.csx", """
            Response Start(Request request)
            {
                Console.WriteLine($"serving {request.Uri.PathAndQuery}");
                return Response.Html("<h1>Version 1</h1>");
            }
            """);
        await using var devserve = DevServeProcess.Start("run", script, "--port", "0", "--no-browser");
        var url = await devserve.UrlAsync();
        await using var browser = await Chromium.LaunchAsync();
        var page = await browser.NewPageAsync();
        var lines = new ConcurrentQueue<string>();
        page.Console += (_, message) => lines.Enqueue(message.Text);

        await page.GotoAsync(url + "/hello?x=1");
        await WaitForAsync(lines, l => l.StartsWith("[GET /hello?x=1 #", StringComparison.Ordinal) && l.EndsWith("] serving /hello?x=1", StringComparison.Ordinal));
        Assert.Contains("serving /hello?x=1", devserve.Output);   // and in the terminal, as before

        File.WriteAllText(script, "Response Start(Request request) => Response.Html(\"<h1>Version 2</h1>\");\n");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Version 2", s_saved);
        await WaitForAsync(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\[devserve\] reloaded chatty\.csx in \d+ ms \(compile \d+ ms\)$"));
        Assert.Matches(@"reloaded chatty\.csx in \d+ ms \(compile \d+ ms\)", devserve.Output);
    }

    [Fact]
    public async Task A_file_line_on_the_error_page_opens_the_editor_there()
    {
        using var dir = new TempDirectory();
        var opened = Path.Combine(dir.Path, "opened.txt");
        var script = dir.Write("fails.csx", "Response Start(Request request)\n{\n    throw new InvalidOperationException(\"open me\");\n}\n");
        await using var devserve = DevServeProcess.Start("run", script, "--port", "0", "--no-browser",
            "--editor", $"sh -c 'echo \"$0:$1\" > {opened}' {{file}} {{line}}");
        var url = await devserve.UrlAsync();
        await using var browser = await Chromium.LaunchAsync();
        var page = await browser.NewPageAsync();

        await page.GotoAsync(url + "/");
        await page.Locator("a.editor").First.ClickAsync();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!(File.Exists(opened) && File.ReadAllText(opened).EndsWith('\n')) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);   // the editor is another process: poll what it wrote, bounded
        }
        Assert.Equal($"{script}:3\n", File.ReadAllText(opened));
    }

    private static async Task WaitForAsync(ConcurrentQueue<string> lines, Func<string, bool> wanted)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!lines.Any(wanted))
        {
            Assert.True(DateTime.UtcNow < deadline, "The console never showed the line. It showed:\n" + string.Join('\n', lines));
            await Task.Delay(20);   // Playwright delivers console events as they come: poll them, bounded
        }
    }
}
