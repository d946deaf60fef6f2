using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DevServe.Tests;

/// <summary>The whole loop in a real browser: Debian's chromium, headless, driven by Playwright.</summary>
public sealed class LiveReloadBrowserTests
{
    [Fact]
    public async Task A_saved_script_updates_the_open_tab_by_itself()
    {
        using var dir = new TempDirectory();
        var script = dir.Write("live.csx", "Response Start(Request request) => Response.Html(\"<h1>Version 1</h1>\");\n");
        await using var devserve = DevServeProcess.Start("run", script, "--port", "0", "--no-browser");
        var url = await devserve.UrlAsync();

        await using var browser = await Chromium.LaunchAsync();
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

    [Fact]
    public async Task A_saved_stylesheet_is_swapped_in_place_and_other_static_files_reload_the_tab()
    {
        using var dir = new TempDirectory();
        var script = dir.Write("styled.csx", "Response Start(Request request) => Response.Html(\"<!DOCTYPE html><html><head>"
            + "<link rel=\\\"stylesheet\\\" href=\\\"/site.css\\\"></head><body><h1>Styled</h1><input id=\\\"note\\\"></body></html>\");\n");
        var css = dir.Write("htdocs/site.css", "h1 { color: rgb(255, 0, 0); }");
        var page2 = dir.Write("htdocs/about.html", "<!DOCTYPE html><html><body><h2>About v1</h2></body></html>");
        await using var devserve = DevServeProcess.Start("run", script, "--port", "0", "--no-browser");
        var url = await devserve.UrlAsync();

        await using var browser = await Chromium.LaunchAsync();
        var page = await browser.NewPageAsync();
        await page.GotoAsync(url + "/");
        await Expect(page.Locator("h1")).ToHaveCSSAsync("color", "rgb(255, 0, 0)");
        await page.Locator("#note").FillAsync("typed before the save");   // the page's state

        File.WriteAllText(css, "h1 { color: rgb(0, 128, 0); }");
        await Expect(page.Locator("h1")).ToHaveCSSAsync("color", "rgb(0, 128, 0)", new() { Timeout = 20_000 });
        await Expect(page.Locator("#note")).ToHaveValueAsync("typed before the save");   // swapped, not reloaded

        // A static HTML page gets the script too, and reloads when it is saved.
        var about = await browser.NewPageAsync();
        await about.GotoAsync(url + "/about.html");
        await Expect(about.Locator("h2")).ToHaveTextAsync("About v1");
        File.WriteAllText(page2, "<!DOCTYPE html><html><body><h2>About v2</h2></body></html>");
        await Expect(about.Locator("h2")).ToHaveTextAsync("About v2", new() { Timeout = 20_000 });
        await Expect(page.Locator("#note")).ToHaveValueAsync("");   // any other file reloads the open tabs
    }
}
