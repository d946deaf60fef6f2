using System.Text.RegularExpressions;
using DevServe.Hosting;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DevServe.Tests;

/// <summary>docs/tutorial: its code is the servlets' code, every step compiles, and every step runs in Chromium.</summary>
public sealed partial class TutorialTests
{
    private static string Steps => Path.Combine(ExampleServlets.Directory, "blog");

    private static string Pages => Path.Combine(ExampleServlets.Directory, "..", "docs", "tutorial");

    // A step is NN-name.csx; model*.csx are the files steps #load.
    private static string[] Servlets() => [.. Directory.GetFiles(Steps, "*.csx").Select(Path.GetFileNameWithoutExtension)
        .Where(n => n!.Length > 3 && char.IsAsciiDigit(n[0]) && char.IsAsciiDigit(n[1]) && n[2] == '-').Order(StringComparer.Ordinal)!];

    public static TheoryData<string> StepNames()
    {
        var steps = new TheoryData<string>();
        foreach (var step in Servlets())
        {
            steps.Add(step);
        }
        return steps;
    }

    [GeneratedRegex("```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [Fact]
    public void Every_step_has_its_page_and_every_page_its_step()
    {
        var steps = Servlets();
        var pages = Directory.GetFiles(Pages, "*.md").Select(Path.GetFileNameWithoutExtension).Where(p => p != "README").Order(StringComparer.Ordinal).ToArray();
        Assert.True(steps.Length >= 9, "the tutorial has lost steps");
        Assert.Empty(steps.Except(pages));
        // A page without a servlet of its own (leaving the tool, HTTPS, stateless) shows no servlet code to compare.
        foreach (var page in pages.Except(steps))
        {
            Assert.Empty(CSharpBlock().Matches(File.ReadAllText(Path.Combine(Pages, page + ".md")).ReplaceLineEndings("\n")));
        }
        var index = File.ReadAllText(Path.Combine(Pages, "README.md"));
        Assert.All(pages, page => Assert.Contains($"({page}.md)", index, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(StepNames))]
    public async Task A_steps_page_shows_exactly_its_servlet_and_the_servlet_compiles_cleanly(string step)
    {
        var script = Path.Combine(Steps, step + ".csx");
        var blocks = CSharpBlock().Matches(File.ReadAllText(Path.Combine(Pages, step + ".md")).ReplaceLineEndings("\n"));
        Assert.Equal(File.ReadAllText(script).ReplaceLineEndings("\n"), Assert.Single(blocks).Groups[1].Value);
        var compiled = await ScriptCompiler.CompileAsync(script, TestHosting.NoCache);
        Assert.True(compiled.Errors.Count == 0, string.Join("\n", compiled.Errors));
        Assert.NotNull(compiled.Start);
    }

    // The steps keep their data beside themselves (blog-data.json, blog.db): each run gets its own copy of the folder.
    private static string CopyOfSteps(TempDirectory dir)
    {
        foreach (var file in Directory.GetFiles(Steps, "*", SearchOption.AllDirectories)
                     .Where(f => f.EndsWith(".csx", StringComparison.Ordinal) || f.Contains($"{Path.DirectorySeparatorChar}htdocs{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            var copy = Path.Combine(dir.Path, Path.GetRelativePath(Steps, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }
        return dir.Path;
    }

    // Step NAME served by devserve from FOLDER (a copy of the steps).
    private static DevServeProcess StartStep(string folder, string step, params string[] options)
        => DevServeProcess.Start(["run", Path.Combine(folder, step + ".csx"), "--port", "0", "--no-browser", .. options]);

    [Theory]
    [MemberData(nameof(StepNames))]
    public async Task Every_step_runs_in_chromium(string step)
    {
        using var dir = new TempDirectory();
        await using var devserve = StartStep(CopyOfSteps(dir), step);
        var url = await devserve.UrlAsync();
        await using var browser = await Chromium.LaunchAsync();
        var page = await browser.NewPageAsync();
        await page.GotoAsync(url + "/");
        await Expect(page.Locator("h1")).ToHaveTextAsync(step == "01-hello" ? "Under construction" : "My Blog");
        if (string.CompareOrdinal(step, "03") >= 0)
        {
            // From step 3 on, the form adds a post that the next page shows first.
            // The form's fields, by name (title, body) or, from the formlets step on, by the names formlets give.
            await page.Locator("[name=title], [name=input_0]").First.FillAsync("From Chromium");
            await page.Locator("[name=body], [name=input_1]").First.FillAsync("Typed <b>by</b> a browser");
            await page.Locator("input[type=submit]").First.ClickAsync();
            await Expect(page.Locator("body")).ToContainTextAsync("Typed <b>by</b> a browser");
            await Expect(page.Locator("b")).ToHaveCountAsync(0);   // escaped, never markup
        }
    }

    [Fact]
    public async Task The_finished_blog_posts_comments_goes_back_and_never_adds_twice_on_a_reload()
    {
        using var dir = new TempDirectory();
        await using var devserve = StartStep(CopyOfSteps(dir), "09-redirect-get");
        var url = await devserve.UrlAsync();
        await using var browser = await Chromium.LaunchAsync();
        var page = await browser.NewPageAsync();
        await page.GotoAsync(url + "/");
        var posts = page.Locator(".post");
        await Expect(posts).ToHaveCountAsync(2);

        await page.Locator("input[name=title]").FillAsync("Third Post");
        await page.Locator("input[name=body]").FillAsync("Added once");
        await page.Locator("input[type=submit]").ClickAsync();
        await Expect(posts).ToHaveCountAsync(3);
        await Expect(posts.First).ToContainTextAsync("Third Post");
        await page.ReloadAsync();   // after RedirectGet: a GET, so nothing is added again
        await Expect(posts).ToHaveCountAsync(3);

        await page.GetByText("Third Post").ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Post Details");
        await page.Locator("input[name=comment]").FillAsync("Nice post");
        await page.Locator("input[type=submit]").ClickAsync();
        await Expect(page.Locator("li")).ToHaveTextAsync(["Nice post"]);
        await page.ReloadAsync();
        await Expect(page.Locator("li")).ToHaveTextAsync(["Nice post"]);

        await page.GetByText("Back to the blog").ClickAsync();
        await Expect(posts.First).ToContainTextAsync("1 comment(s)");
        // The browser's back button: the earlier pages still answer, and nothing was added by going back.
        await page.GoBackAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Post Details");
        await page.GoBackAsync();
        await page.GoBackAsync();
        await page.GotoAsync(url + "/");
        await Expect(posts).ToHaveCountAsync(3);
        await Expect(posts.First).ToContainTextAsync("1 comment(s)");
        Assert.DoesNotContain("warning", devserve.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_console_app_that_leaves_the_tool_compiles_against_the_library_and_its_packages()
    {
        var project = Path.Combine(Steps, "15-console-app");
        if (!Directory.Exists(project))
        {
            Assert.DoesNotContain(Directory.GetFiles(Pages, "*.md"), p => Path.GetFileName(p).StartsWith("15-", StringComparison.Ordinal));
            return;
        }
        // What the project's SDK adds (implicit usings), then its own files, compiled against the framework and DevServe.
        string[] implicitUsings = ["System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading",
            "System.Threading.Tasks"];
        var trees = Directory.GetFiles(project, "*.cs").Select(f => Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(File.ReadAllText(f), path: f))
            .Append(Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(string.Concat(implicitUsings.Select(u => $"global using global::{u};\n"))));
        // Its PackageReferences, restored as devserve restores a script's #r "nuget:" (into the same cache).
        var csproj = System.Xml.Linq.XDocument.Load(Path.Combine(project, "BlogApp.csproj"));
        var packages = csproj.Descendants("PackageReference")
            .Select(r => new NuGetReferences.Package((string)r.Attribute("Include")!, (string)r.Attribute("Version")!, Path.Combine(project, "BlogApp.csproj"), 1))
            .ToList();
        var restore = await NuGetReferences.RestoreAsync(packages, ServletHostOptions.Default.PackagesDirectory, CancellationToken.None);
        Assert.Empty(restore.Errors);
        var references = ScriptCompiler.References.Concat(restore.Compile.Select(p => Microsoft.CodeAnalysis.MetadataReference.CreateFromFile(p)));
        var compilation = Microsoft.CodeAnalysis.CSharp.CSharpCompilation.Create("BlogApp", trees, references,
            new Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions(Microsoft.CodeAnalysis.OutputKind.ConsoleApplication,
                nullableContextOptions: Microsoft.CodeAnalysis.NullableContextOptions.Enable));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    // Adds a post through the page's form (by name, or by the names formlets give) and waits for it to be shown.
    private static async Task AddPostAsync(IPage page, string title)
    {
        await page.Locator("[name=title], [name=input_0]").First.FillAsync(title);
        await page.Locator("[name=body], [name=input_1]").First.FillAsync("body of " + title);
        await page.Locator("input[type=submit]").First.ClickAsync();
        await Expect(page.Locator("body")).ToContainTextAsync(title);
    }

    [Theory]
    [InlineData("11-persistence", false)]
    [InlineData("12-sqlite", false)]
    [InlineData("14-formlets", true)]
    public async Task The_blog_outlives_a_restart_and_so_do_the_stateless_blogs_links(string step, bool stateless)
    {
        using var dir = new TempDirectory();
        var folder = CopyOfSteps(dir);
        string[] options = stateless ? ["--stateless"] : [];
        await using var browser = await Chromium.LaunchAsync();
        var page = await browser.NewPageAsync();
        string link;
        await using (var first = StartStep(folder, step, options))
        {
            await page.GotoAsync(await first.UrlAsync() + "/");
            await AddPostAsync(page, "Kept across a restart");
            link = page.Url;
        }
        await using var second = StartStep(folder, step, options);
        var url = await second.UrlAsync();
        await page.GotoAsync(url + "/");
        await Expect(page.Locator("body")).ToContainTextAsync("Kept across a restart");
        if (stateless)
        {
            // A link of the first server's pages goes on with the second: the continuation was in the URL.
            await page.GotoAsync(url + new Uri(link).PathAndQuery);
            await Expect(page.Locator("h1")).ToHaveTextAsync("My Blog");
            await page.GetByText("Kept across a restart").First.ClickAsync();
            await Expect(page.Locator("h1")).ToHaveTextAsync("Post Details");
        }
    }

    [Fact]
    public async Task Editing_a_running_step_updates_the_open_tab()
    {
        using var dir = new TempDirectory();
        var folder = CopyOfSteps(dir);
        var script = Path.Combine(folder, "02-posts.csx");
        await using var devserve = StartStep(folder, "02-posts");
        var url = await devserve.UrlAsync();
        await using var browser = await Chromium.LaunchAsync();
        var page = await browser.NewPageAsync();
        await page.GotoAsync(url + "/");
        await Expect(page.Locator("h1")).ToHaveTextAsync("My Blog");
        var text = File.ReadAllText(script);
        Assert.Contains("H1(\"My Blog\")", text);
        File.WriteAllText(script + ".tmp~", text.Replace("H1(\"My Blog\")", "H1(\"My Edited Blog\")", StringComparison.Ordinal));
        File.Move(script + ".tmp~", script, overwrite: true);
        await Expect(page.Locator("h1")).ToHaveTextAsync("My Edited Blog", new() { Timeout = 20_000 });
    }

    [Theory]
    [InlineData("08-back-link", 2)]
    [InlineData("09-redirect-get", 1)]
    public async Task Reloading_after_adding_a_post_adds_it_again_until_RedirectGet(string step, int copies)
    {
        using var dir = new TempDirectory();
        await using var devserve = StartStep(CopyOfSteps(dir), step);
        var url = await devserve.UrlAsync();
        await using var browser = await Chromium.LaunchAsync();
        var page = await browser.NewPageAsync();
        await page.GotoAsync(url + "/");
        await AddPostAsync(page, "Double submit");
        await page.ReloadAsync();   // the browser sends the form again, unless the page it shows came from a GET
        await Expect(page.Locator(".post", new() { HasText = "Double submit" })).ToHaveCountAsync(copies);
    }
}
