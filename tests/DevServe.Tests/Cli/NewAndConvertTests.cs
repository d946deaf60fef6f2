namespace DevServe.Tests;

/// <summary>
/// <c>devserve new</c> (each template, then a real run) and <c>devserve convert</c> (a script to a plugin project or a
/// standalone app, then a real build and run of the result).
/// </summary>
[Collection(DotnetBuilds.Name)]
public sealed class NewAndConvertTests
{
    private static readonly HttpClient s_client = new() { Timeout = TimeSpan.FromSeconds(60) };

    private static async Task<(int Exit, string Output)> DevServeAsync(string directory, params string[] args)
    {
        await using var devserve = DevServeProcess.StartIn(directory, args);
        var exit = await devserve.ExitCodeAsync(TimeSpan.FromMinutes(2));
        return (exit, devserve.Output + devserve.Errors);
    }

    [Theory]
    [InlineData("servlet", "hello.csx")]
    [InlineData("app", "hello.cs")]
    [InlineData("plugin", "hello/hello.csproj")]
    public async Task New_writes_a_template_that_runs_at_once(string template, string file)
    {
        using var dir = new TempDirectory();
        var (exit, output) = await DevServeAsync(dir.Path, "new", template, "hello");
        Assert.True(exit == 0, output);
        Assert.Contains($"devserve run {file}", output);
        await using var devserve = DevServeProcess.StartIn(dir.Path, "run", file, "--port", "0", "--no-browser");
        Assert.Contains("<h1>Hello from hello</h1>", await s_client.GetStringAsync(await devserve.UrlAsync() + "/"));
    }

    [Fact]
    public async Task New_site_writes_a_site_that_serves()
    {
        using var dir = new TempDirectory();
        var (exit, output) = await DevServeAsync(dir.Path, "new", "site", "demo");
        Assert.True(exit == 0, output);
        await using var devserve = DevServeProcess.StartIn(dir.Path, "serve", "--config", Path.Combine("demo", "site.json"), "-p", "0");
        var response = await s_client.GetAsync(await devserve.UrlAsync() + "/");
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task New_never_overwrites_and_refuses_a_name_that_is_not_a_file_name()
    {
        using var dir = new TempDirectory();
        dir.Write("hello.csx", "// mine\n");
        var (exit, output) = await DevServeAsync(dir.Path, "new", "servlet", "hello");
        Assert.Equal(2, exit);
        Assert.Contains("exists; new never overwrites", output);
        Assert.Equal("// mine\n", File.ReadAllText(Path.Combine(dir.Path, "hello.csx")));
        (exit, output) = await DevServeAsync(dir.Path, "new", "app", "../escape");
        Assert.Equal(2, exit);
        Assert.Contains("is not a file name", output);
        (exit, _) = await DevServeAsync(dir.Path, "new", "website", "x");
        Assert.Equal(2, exit);
    }

    // A script with what a conversion has to change: a top-level var, a record, a loaded file, an async method, a statement.
    private static TempDirectory RosterScript()
    {
        var dir = new TempDirectory();
        dir.Write("names.csx", "static string Shout(string s) => s.ToUpperInvariant();\n");
        dir.Write("roster.csx", """
            #load "names.csx"
            // Everyone who signed, in order.
            var signed = new List<Entry>();
            var starts = 0;
            starts++;

            async Task<Response> Start(Request request)
            {
                var names = new List<string>();
                while (true)
                {
                    var r = await SendSuspend(k => Response.Html(
                        $"<p>{string.Join(",", names)}|{string.Join(",", signed.Select(e => e.Name))}|{starts}</p><form method=post action=\"{k}\"></form>"));
                    names.Add(Shout(r.Bindings["name"]!));
                    signed.Add(new Entry(Shout(r.Bindings["name"]!)));
                }
            }

            record Entry(string Name);
            """);
        return dir;
    }

    [Fact]
    public async Task Convert_to_a_plugin_builds_and_runs_with_real_continuations()
    {
        using var dir = RosterScript();
        var (exit, output) = await DevServeAsync(dir.Path, "convert", "roster.csx");
        Assert.True(exit == 0, output);
        Assert.Contains("devserve run roster/roster.csproj", output);
        var source = File.ReadAllText(Path.Combine(dir.Path, "roster", "Servlet.cs"));
        Assert.Contains("private static List<Entry> signed;", source);   // assigned in the static constructor, in the script's order
        Assert.Contains("signed = new List<Entry>();", source);
        Assert.Contains("// Everyone who signed, in order.", source);
        await using var devserve = DevServeProcess.StartIn(dir.Path, "run", Path.Combine("roster", "roster.csproj"), "--port", "0", "--no-browser");
        var url = await devserve.UrlAsync();
        var page1 = await s_client.GetStringAsync(url + "/");
        Assert.Contains("<p>||1</p>", page1);   // the top-level statement ran once, as in the script
        var page2 = await s_client.PostAsync(url + Browser.FirstLink(page1), ("name", "ann"));
        var page3 = await s_client.PostAsync(url + Browser.FirstLink(page2), ("name", "bob"));
        Assert.Contains("<p>ANN,BOB|ANN,BOB|1</p>", page3);
        // The back button: page 2's form again goes on from its SendSuspend (the list is a heap object, shared as in
        // Racket); nothing before it runs again, so ANN is not signed twice, as a replay would sign it.
        Assert.Contains("<p>ANN,BOB,CY|ANN,BOB,CY|1</p>", await s_client.PostAsync(url + Browser.FirstLink(page2), ("name", "cy")));
    }

    [Fact]
    public async Task Convert_to_an_app_builds_a_standalone_server_that_runs_under_dotnet_run()
    {
        using var dir = new TempDirectory();
        File.Copy(Path.Combine(ExampleServlets.Directory, "sqlite-notes.csx"), Path.Combine(dir.Path, "notes.csx"));
        var (exit, output) = await DevServeAsync(dir.Path, "convert", "notes.csx", "--to", "app", "-o", "NotesApp");
        Assert.True(exit == 0, output);
        Assert.Contains("Microsoft.Data.Sqlite", File.ReadAllText(Path.Combine(dir.Path, "NotesApp", "notes.csproj")));
        await using var app = DevServeProcess.StartProgram("dotnet", Path.Combine(dir.Path, "NotesApp"), null,
            "run", "--project", "notes.csproj", "--", "0", "--no-browser");
        var url = await app.UrlAsync();
        using var content = new FormUrlEncodedContent([new("text", "converted")]);
        await s_client.PostAsync(url + "/", content);
        Assert.Contains("<li>converted</li>", await s_client.GetStringAsync(url + "/"));
    }

    [Fact]
    public async Task Convert_refuses_a_script_that_does_not_compile_and_writes_nothing()
    {
        using var dir = new TempDirectory();
        dir.Write("broken.csx", "Response Start(Request request) => Response.Text(42);\n");
        var (exit, output) = await DevServeAsync(dir.Path, "convert", "broken.csx");
        Assert.Equal(1, exit);
        Assert.Contains("broken.csx(1,", output);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "broken")));
    }
}
