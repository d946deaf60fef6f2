using DevServe.Hosting;

namespace DevServe.Tests;

/// <summary>.NET 10's <c>#:</c> directives, good and bad, in <c>.cs</c> apps and <c>.csx</c> scripts alike.</summary>
public sealed class FileDirectiveTests
{
    // The same servlet in each kind of file: a script's Start, or an app's top-level one.
    private static string Servlet(string kind, string directives, string body)
        => kind == "cs"
            ? directives + "using DevServe;\nstatic Response Start(Request request) => " + body + ";\n"
            : directives + "Response Start(Request request) => " + body + ";\n";

    private static async Task<CompiledScript> CompileAsync(TempDirectory dir, string kind, string text)
        => await ScriptCompiler.CompileAsync(dir.Write("app." + kind, text), TestHosting.NoCache);

    private static async Task<string> GetAsync(CompiledScript compiled, string path = "/")
    {
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(compiled.Start
            ?? throw new InvalidOperationException(string.Join("\n", compiled.Errors))));
        return await server.Client.GetStringAsync(path);
    }

    [Fact]
    public void Directives_are_read_with_their_lines_and_blanked_to_comments_on_the_same_lines()
    {
        const string Text = "#!/usr/bin/env devserve\n// a comment\n#:package Humanizer@2.14.1\n#:package Newtonsoft.Json@*\n"
            + "#:property Nullable=disable\n#:sdk Microsoft.NET.Sdk.Web@10.0.0\n#:project ../lib\n#:include helpers.cs\nusing System;\n";
        var directives = FileDirectives.Read(Text, "/src/app/app.cs");
        Assert.Empty(directives.Errors);
        Assert.Equal([("Humanizer", "2.14.1", 3), ("Newtonsoft.Json", "*", 4)], directives.Packages.Select(p => (p.Name, p.Version, p.Line)));
        Assert.Equal(("disable", 5), directives.Properties["nullable"]);
        Assert.True(directives.IsWeb);
        Assert.Equal(new FileDirectives.Located("/src/lib", 7), Assert.Single(directives.Projects));
        Assert.Equal(new FileDirectives.Located("/src/app/helpers.cs", 8), Assert.Single(directives.Includes));
        var blank = FileDirectives.Blank(Text);
        Assert.Equal(Text.Split('\n').Length, blank.Split('\n').Length);
        Assert.All(blank.Split('\n').Take(8), line => Assert.StartsWith("//", line));
    }

    [Theory]
    [InlineData("#:package Humanizer", "write #:package Name@Version")]
    [InlineData("#:package @1.0", "write #:package Name@Version")]
    [InlineData("#:property Nullable", "write #:property Name=Value")]
    [InlineData("#:property Nullable=maybe", "give enable, disable, warnings or annotations")]
    [InlineData("#:property TreatWarningsAsErrors=yes", "give true or false")]
    [InlineData("#:sdk Aspire.AppHost.Sdk@13.0.0", "Aspire.AppHost.Sdk is neither")]
    [InlineData("#:sdk", "name one")]
    [InlineData("#:project", "name a project file")]
    [InlineData("#:include notes.txt", "includes C# files")]
    [InlineData("#:Package Humanizer@2.14.1", "#:Package is not a directive")]
    [InlineData("#:frobnicate x", "#:frobnicate is not a directive")]
    public void A_bad_directive_is_an_error_on_its_line(string directive, string message)
    {
        var directives = FileDirectives.Read("// first\n" + directive + "\nusing System;\n", "/app/app.cs");
        var error = Assert.Single(directives.Errors);
        Assert.Equal(2, error.Line);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void A_block_comment_before_the_directives_is_not_code()
        => Assert.Empty(FileDirectives.Read("/* Licence: MIT.\n   Author: me. */\n#:package Humanizer@2.14.1\nusing System;\n", "/app/app.cs").Errors);

    [Fact]
    public void A_directive_after_code_is_an_error_as_with_dotnet_run()
    {
        var error = Assert.Single(FileDirectives.Read("using System;\n#:package Humanizer@2.14.1\n", "/app/app.cs").Errors);
        Assert.Equal(2, error.Line);
        Assert.Contains("before any code", error.Message);
    }

    [Theory]
    [InlineData("cs")]
    [InlineData("csx")]
    public async Task A_bad_directive_gets_the_compile_error_page_on_its_line(string kind)
    {
        using var dir = new TempDirectory();
        var text = Servlet(kind, "#:property Nullable=enable\n#:sdk Microsoft.NET.Sdk.Worker\n", "Response.Text(\"x\")");
        var error = Assert.Single((await CompileAsync(dir, kind, text)).Errors);
        Assert.Equal((2, "DEVSERVE020"), (error.Line, error.Id));
        await using var servlet = new ScriptServlet(Path.Combine(dir.Path, "app." + kind), TestHosting.NoCache);
        await using var server = await LoopbackServer.StartAsync(servlet.Dispatch);
        var response = await server.Client.GetAsync("/");
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains($"app.{kind}:2:1", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("cs")]
    [InlineData("csx")]
    public async Task LangVersion_limits_the_language(string kind)
    {
        using var dir = new TempDirectory();
        const string Body = "Response.Text(string.Join<int>(\",\", [1, 2]))";   // a collection expression: C# 12
        Assert.Equal("1,2", await GetAsync(await CompileAsync(dir, kind, Servlet(kind, "#:property LangVersion=12\n", Body))));
        var old = await CompileAsync(dir, kind, Servlet(kind, "#:property LangVersion=11\n", Body));
        Assert.Contains(old.Errors, e => e.Message.Contains("collection expressions", StringComparison.Ordinal));
        var unknown = Assert.Single((await CompileAsync(dir, kind, Servlet(kind, "// new\n#:property LangVersion=99.5\n", Body))).Errors);
        Assert.Equal((2, "DEVSERVE020"), (unknown.Line, unknown.Id));
        Assert.Contains("not a C# language version", unknown.Message);
    }

    [Theory]
    [InlineData("cs")]
    [InlineData("csx")]
    public async Task AllowUnsafeBlocks_allows_unsafe_code(string kind)
    {
        using var dir = new TempDirectory();
        const string Body = "Response.Text(Twice(21).ToString())";
        var helper = kind == "cs" ? "static unsafe int Twice(int x) { int* p = &x; return *p * 2; }\n" : "unsafe int Twice(int x) { int* p = &x; return *p * 2; }\n";
        var refused = await CompileAsync(dir, kind, Servlet(kind, "", Body) + helper);
        Assert.Contains(refused.Errors, e => e.Id == "CS0227");
        Assert.Equal("42", await GetAsync(await CompileAsync(dir, kind, Servlet(kind, "#:property AllowUnsafeBlocks=true\n", Body) + helper)));
    }

    [Theory]
    [InlineData("cs")]
    [InlineData("csx")]
    public async Task TreatWarningsAsErrors_with_Nullable_makes_a_null_warning_stop_the_compile(string kind)
    {
        using var dir = new TempDirectory();
        const string Body = "Response.Text(Maybe().Length.ToString())";
        var helper = (kind == "cs" ? "static " : "") + "string? Maybe() => null;\n";
        Assert.Empty((await CompileAsync(dir, kind, Servlet(kind, "#:property Nullable=enable\n", Body) + helper)).Errors);
        var strict = await CompileAsync(dir, kind, Servlet(kind, "#:property Nullable=enable\n#:property TreatWarningsAsErrors=true\n", Body) + helper);
        Assert.Contains(strict.Errors, e => e.Id == "CS8602");
    }

    [Fact]
    public async Task The_web_sdk_brings_the_aspnet_implicit_usings_and_ImplicitUsings_disable_takes_them_away()
    {
        using var dir = new TempDirectory();
        const string Body = "Response.Text(StatusCodes.Status418ImATeapot.ToString())";   // Microsoft.AspNetCore.Http
        Assert.Equal("418", await GetAsync(await CompileAsync(dir, "cs", Servlet("cs", "#:sdk Microsoft.NET.Sdk.Web\n", Body))));
        Assert.Contains((await CompileAsync(dir, "cs", Servlet("cs", "", Body))).Errors, e => e.Id == "CS0103");
        var none = await CompileAsync(dir, "cs", Servlet("cs", "#:property ImplicitUsings=disable\n", "Response.Text(new List<int>().Count.ToString())"));
        Assert.Contains(none.Errors, e => e.Id == "CS0246");
        Assert.Empty((await CompileAsync(dir, "cs", Servlet("cs", "#:property ImplicitUsings=Enable\n", "Response.Text(new List<int>().Count.ToString())"))).Errors);
    }

    [Theory]
    [InlineData("cs")]
    [InlineData("csx")]
    public async Task An_included_file_is_compiled_in_and_a_save_of_it_reloads(string kind)
    {
        using var dir = new TempDirectory();
        var helpers = dir.Write("Helpers.cs", "static class Helpers { public static string Word() => \"one\"; }\n");
        var path = dir.Write("app." + kind, Servlet(kind, "#:include Helpers.cs\n", "Response.Text(Helpers.Word())"));
        await using var servlet = new ScriptServlet(path, TestHosting.NoCache);
        await using var server = await LoopbackServer.StartAsync(servlet.Dispatch);
        Assert.Equal("one", await server.Client.GetStringAsync("/"));
        File.WriteAllText(helpers, "static class Helpers { public static string Word() => \"two\"; }\n");
        await servlet.ServedAsync(server, "two", TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_missing_include_is_an_error_on_the_directives_line()
    {
        using var dir = new TempDirectory();
        var compiled = await CompileAsync(dir, "cs", Servlet("cs", "// helpers\n#:include Missing.cs\n", "Response.Text(\"x\")"));
        var error = Assert.Single(compiled.Errors);
        Assert.Equal((2, "DEVSERVE021"), (error.Line, error.Id));
    }

    [Theory]
    [InlineData("cs")]
    [InlineData("csx")]
    public async Task A_package_directive_restores_the_package_and_references_it(string kind)
    {
        using var cache = new TempDirectory();
        using var dir = new TempDirectory();
        var compiled = await ScriptCompiler.CompileAsync(dir.Write("app." + kind, Servlet(kind, "#:package Microsoft.Data.Sqlite@10.0.15\n",
            "Response.Text(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = \"x.db\" }.ConnectionString)")),
            new ServletHostOptions { CacheDirectory = cache.Path, UseCache = false });
        Assert.Equal("Data Source=x.db", await GetAsync(compiled));
    }

    [Theory]
    [InlineData("cs", "#:package DevServe@0.1.0\n")]
    [InlineData("cs", "#:project ../../src/DevServe/DevServe.csproj\n")]
    [InlineData("csx", "#:project /nowhere/DevServe\n")]
    [InlineData("cs", "#:project ../../src/DevServe/\n")]
    public async Task A_file_naming_DevServe_itself_uses_the_hosts_DevServe_without_restoring_or_building(string kind, string directive)
    {
        using var cache = new TempDirectory();
        using var dir = new TempDirectory();
        var compiled = await ScriptCompiler.CompileAsync(dir.Write("app." + kind, Servlet(kind, directive, "Response.Text(typeof(Request).Assembly.Location)")),
            new ServletHostOptions { CacheDirectory = cache.Path, UseCache = false });
        Assert.Equal(typeof(Request).Assembly.Location, await GetAsync(compiled));
        Assert.False(Directory.Exists(Path.Combine(cache.Path, "nuget")));
    }

    [Fact]
    public async Task A_project_directive_builds_the_project_once_and_again_only_when_its_sources_change()
    {
        using var dir = new TempDirectory();
        dir.Write("Lib/Lib.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>\n");
        var source = dir.Write("Lib/Words.cs", "namespace Lib; public static class Words { public static string Word() => \"built\"; }\n");
        var path = dir.Write("app/app.cs", Servlet("cs", "#:project ../Lib/Lib.csproj\n", "Response.Text(Lib.Words.Word())"));
        await using var servlet = new ScriptServlet(path, TestHosting.NoCache);
        await using var server = await LoopbackServer.StartAsync(servlet.Dispatch);
        // The first version waits for a dotnet build (tens of seconds on a busy machine): longer than a request may wait.
        var first = servlet.NextSwap;
        if (servlet.VersionNumber == 0)
        {
            await first.WaitAsync(TimeSpan.FromSeconds(180));
        }
        Assert.Equal("built", await server.Client.GetStringAsync("/"));
        var dll = Path.Combine(dir.Path, "Lib", "bin", "Debug", "net10.0", "Lib.dll");
        var built = File.GetLastWriteTimeUtc(dll);

        // A save of the app alone does not build the project again.
        File.WriteAllText(path, Servlet("cs", "#:project ../Lib/Lib.csproj\n", "Response.Text(Lib.Words.Word() + \"!\")"));
        await servlet.ServedAsync(server, "built!", TimeSpan.FromSeconds(60));
        Assert.Equal(built, File.GetLastWriteTimeUtc(dll));

        // A save of the project's source builds it and reloads the app.
        File.WriteAllText(source, "namespace Lib; public static class Words { public static string Word() => \"rebuilt\"; }\n");
        await servlet.ServedAsync(server, "rebuilt!", TimeSpan.FromSeconds(180));

        // A file added to the project is a new version too.
        var added = servlet.NextSwap;
        dir.Write("Lib/Extra.cs", "namespace Lib; public static class Extra { }\n");
        await added.WaitAsync(TimeSpan.FromSeconds(180));
        Assert.Equal("rebuilt!", await server.Client.GetStringAsync("/"));
    }


    [Fact]
    public async Task A_project_that_is_not_there_or_does_not_build_is_an_error_page()
    {
        using var dir = new TempDirectory();
        var missing = await CompileAsync(dir, "csx", Servlet("csx", "#:project ../Nowhere/Nowhere.csproj\n", "Response.Text(\"x\")"));
        Assert.Equal((1, "DEVSERVE021"), (Assert.Single(missing.Errors).Line, missing.Errors[0].Id));
        dir.Write("Bad/Bad.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>\n");
        dir.Write("Bad/Broken.cs", "public static class Broken { public static int X() => \"no\"; }\n");
        var broken = await CompileAsync(dir, "csx", Servlet("csx", "#:project Bad\n", "Response.Text(\"x\")"));
        var error = Assert.Single(broken.Errors);
        Assert.Equal(("CS0029", 1), (error.Id, error.Line));
        Assert.EndsWith("Broken.cs", error.Path);
    }
}
