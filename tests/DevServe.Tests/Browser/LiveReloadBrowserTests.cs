using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DevServe.Tests;

/// <summary>The whole loop in a real browser: Debian's chromium, headless, driven by Playwright.</summary>
public sealed class LiveReloadBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task A_saved_script_updates_the_open_tab_by_itself()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: scripts/test installs Debian's chromium package.");
        using var dir = new TempDirectory();
        var script = dir.Write("live.csx", "Response Start(Request request) => Response.Html(\"<h1>Version 1</h1>\");\n");
        await using var devserve = DevServeProcess.Start("run", script, "--port", "0", "--no-browser");
        var url = await devserve.UrlAsync();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"],
        });
        var page = await browser.NewPageAsync();
        await page.GotoAsync(url + "/");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Version 1");

        File.WriteAllText(script, "Response Start(Request request) => Response.Html(\"<h1>Version 2</h1>\");\n");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Version 2", new() { Timeout = 20_000 });

        File.WriteAllText(script, "Response Start(Request request) => Response.Html(2);\n");
        await Expect(page.Locator("h1")).ToHaveTextAsync("The servlet does not compile", new() { Timeout = 20_000 });

        File.WriteAllText(script, "Response Start(Request request) => Response.Html(\"<h1>Version 3</h1>\");\n");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Version 3", new() { Timeout = 20_000 });
    }
}
