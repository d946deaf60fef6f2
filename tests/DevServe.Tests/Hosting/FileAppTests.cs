using System.Runtime.CompilerServices;
using DevServe.Hosting;

namespace DevServe.Tests;

/// <summary>
/// <c>.cs</c> file-based apps (what <c>dotnet run app.cs</c> runs) served in-process: compiled with Roslyn into a
/// collectible context, their <c>Start</c> found, their top-level statements never run, reloaded on save.
/// </summary>
public sealed class FileAppTests
{
    private const string Launcher = """
        #:project ../src/DevServe/DevServe.csproj
        using DevServe;

        await Launch.ServeServlet(Start, port: 8000);

        """;

    private static async Task<CompiledScript> CompileAsync(string path, ServletHostOptions? options = null)
        => await ScriptCompiler.CompileAsync(path, options ?? TestHosting.NoCache);

    /// <summary>
    /// An app that names ILogger and IServiceCollection (answering "False True"), whose assemblies a package of
    /// DevServe's carries newer than the framework's; <paramref name="extra"/> is a statement of Start's.
    /// </summary>
    internal static string AppNamingNewerFrameworkAssemblies(string extra = "") => $$"""
        #:sdk Microsoft.NET.Sdk.Web
        using DevServe;
        using Microsoft.Extensions.DependencyInjection;
        using Microsoft.Extensions.Logging;
        using Microsoft.Extensions.Logging.Abstractions;

        static Response Start(Request request)
        {
            ILogger logger = NullLogger.Instance;
            IServiceCollection? services = null;
            {{extra}}
            return Response.Text($"{logger.IsEnabled(LogLevel.Error)} {services is null}");
        }
        """;

    // A save: the new text, then its compile.
    private static async Task<CompiledScript> SaveAsync(string path, string text)
    {
        await File.WriteAllTextAsync(path, text);
        return await CompileAsync(path);
    }

    private static async Task<LoopbackServer> ServeAsync(string path)
    {
        var compiled = await CompileAsync(path);
        return await LoopbackServer.StartAsync(Servlets.DispatchServlet(compiled.Start
            ?? throw new InvalidOperationException(string.Join("\n", compiled.Errors))));
    }

    [Fact]
    public async Task A_top_level_Start_is_served_and_the_top_level_statements_never_run()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("app.cs", Launcher + """
            File.WriteAllText("top-level-ran", "the launcher ran");

            static Response Start(Request request) => Response.Text("hello from " + request.Uri.AbsolutePath);
            """);
        await using var server = await ServeAsync(path);
        Assert.Equal("hello from /x", await server.Client.GetStringAsync("/x"));
        Assert.False(File.Exists(Path.Combine(dir.Path, "top-level-ran")));
        Assert.False(File.Exists("top-level-ran"));
    }

    [Fact]
    public async Task Start_in_a_class_of_a_file_scoped_namespace_is_served_with_the_sdks_implicit_usings()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("app.cs", """
            using DevServe;

            namespace Blog;

            public static class Servlet
            {
                private static readonly List<string> s_posts = ["first"];   // System.Collections.Generic: an implicit using

                public static async Task<Response> Start(Request request)
                {
                    await Task.Yield();
                    return Response.Text(string.Join(",", s_posts.Select(p => p.ToUpperInvariant())));
                }
            }
            """);
        await using var server = await ServeAsync(path);
        Assert.Equal("FIRST", await server.Client.GetStringAsync("/"));
    }

    [Fact]
    public async Task An_app_compiles_against_framework_assemblies_that_a_package_of_devserves_carries_newer()
    {
        // DevServe's own packages (StackExchange.Redis) carry newer builds of these two ASP.NET Core assemblies, which
        // the host loads instead of the framework's copies: they were left out of the references (CS0246).
        using var dir = new TempDirectory();
        var path = dir.Write("app.cs", AppNamingNewerFrameworkAssemblies());
        await using var server = await ServeAsync(path);
        Assert.Equal("False True", await server.Client.GetStringAsync("/"));
    }

    [Fact]
    public async Task A_top_level_Start_that_uses_a_top_level_variable_is_refused_naming_it_on_its_line()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("app.cs", Launcher + """
            var greeting = "hi";

            Response Start(Request request) => Response.Text(greeting);
            """);
        var compiled = await CompileAsync(path);
        var error = Assert.Single(compiled.Errors);
        Assert.Equal((path, 7, "DEVSERVE022"), (error.Path, error.Line, error.Id));
        Assert.Contains("'greeting'", error.Message);
        Assert.Contains("static field", error.Message);
    }

    [Fact]
    public async Task A_top_level_Start_of_the_wrong_shape_is_refused_on_its_line()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("app.cs", Launcher + "static string Start(Request request) => \"not a response\";\n");
        var error = Assert.Single((await CompileAsync(path)).Errors);
        Assert.Equal((5, "DEVSERVE001"), (error.Line, error.Id));
        Assert.Contains("wrong shape", error.Message);
    }

    [Fact]
    public async Task A_missing_include_folder_is_an_error_page_and_the_servlet_recovers_on_the_next_save()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("app.cs", "#:include lib/Helpers.cs\n" + Launcher + "static Response Start(Request request) => Response.Text(\"x\");\n");
        await using var servlet = new ScriptServlet(path, TestHosting.NoCache);
        await using var server = await LoopbackServer.StartAsync(servlet.Dispatch);
        var response = await server.Client.GetAsync("/");
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("lib/Helpers.cs", await response.Content.ReadAsStringAsync());
        File.WriteAllText(path, Launcher + "static Response Start(Request request) => Response.Text(\"fixed\");\n");
        await servlet.ServedAsync(server, "fixed", TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task An_app_without_Start_or_with_two_says_what_to_write()
    {
        using var dir = new TempDirectory();
        var none = await CompileAsync(dir.Write("none.cs", "Console.WriteLine(\"just a program\");\n"));
        Assert.Contains("defines no servlet", Assert.Single(none.Errors).Message);
        var two = await CompileAsync(dir.Write("two.cs", """
            using DevServe;
            class A { public static Response Start(Request r) => Response.Text("a"); }
            class B { public static Response Start(Request r) => Response.Text("b"); }
            """));
        Assert.Contains("2 Start methods (A, B)", Assert.Single(two.Errors).Message);
    }

    [Fact]
    public async Task A_compile_error_names_the_apps_file_and_line_and_directives_keep_the_lines()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("app.cs", Launcher + "static Response Start(Request request) => Response.Text(42);\n");
        var compiled = await CompileAsync(path);
        var error = Assert.Single(compiled.Errors);
        Assert.Equal((path, 5, "CS1503"), (error.Path, error.Line, error.Id));
    }

    [Fact]
    public async Task A_save_that_changes_only_a_body_compiles_without_the_launch_line_and_serves_the_new_body()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("app.cs", Launcher + "static Response Start(Request request) => Response.Text(\"v1\");\n");
        var first = await CompileAsync(path);
        Assert.True(HasAsyncMain(first), "the first compile checks the whole file, launch line and all");
        Assert.Equal("v1", await BodyOfAsync(first));

        var second = await SaveAsync(path, Launcher + "static Response Start(Request request) => Response.Text(\"v2\");\n");
        Assert.Equal("v2", await BodyOfAsync(second));
        Assert.False(HasAsyncMain(second), "a body's edit cannot break the launch line: it is left out");
    }

    [Fact]
    public async Task After_a_lean_save_an_edit_that_breaks_the_launch_line_is_still_an_error_on_its_line()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("app.cs", Launcher + "static Response Start(Request request) => Response.Text(\"v1\");\n");
        Assert.Empty((await CompileAsync(path)).Errors);
        Assert.Empty((await SaveAsync(path, Launcher + "static Response Start(Request request) => Response.Text(\"v2\");\n")).Errors);

        // The launch line itself, then a signature it binds against.
        var launchLine = await SaveAsync(path,
            Launcher.Replace("port: 8000", "port: \"eighty\"") + "static Response Start(Request request) => Response.Text(\"v3\");\n");
        Assert.Contains(launchLine.Errors, e => (e.Path, e.Line, e.Id) == (path, 4, "CS1503"));
        var signature = await SaveAsync(path, Launcher + "static Response Begin(Request request) => Response.Text(\"v4\");\n");
        Assert.Contains(signature.Errors, e => e.Line == 4 && e.Id == "CS0103");
    }

    [Fact]
    public async Task A_launcher_that_declares_a_variable_is_compiled_whole_so_a_Start_that_starts_reading_it_is_refused_naming_it()
    {
        using var dir = new TempDirectory();
        var launcher = Launcher + "var greeting = \"hi\";\n";
        var path = dir.Write("app.cs", launcher + "Response Start(Request request) => Response.Text(\"v1\");\n");
        Assert.Empty((await CompileAsync(path)).Errors);

        var body = await SaveAsync(path, launcher + "Response Start(Request request) => Response.Text(\"v2\");\n");
        Assert.True(HasAsyncMain(body), "a body can read or assign the launcher's variables");
        var error = Assert.Single((await SaveAsync(path, launcher + "Response Start(Request request) => Response.Text(greeting);\n")).Errors);
        Assert.Equal((path, 6, "DEVSERVE022"), (error.Path, error.Line, error.Id));
        Assert.Contains("'greeting'", error.Message);
    }

    [Fact]
    public async Task After_a_lean_save_a_Start_that_starts_reading_args_is_refused_naming_it()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("app.cs", Launcher + "Response Start(Request request) => Response.Text(\"v1\");\n");
        Assert.Empty((await CompileAsync(path)).Errors);
        Assert.False(HasAsyncMain(await SaveAsync(path, Launcher + "Response Start(Request request) => Response.Text(\"v2\");\n")));

        var readsArgs = await SaveAsync(path, Launcher + "Response Start(Request request) => Response.Text(args.Length.ToString());\n");
        var error = Assert.Single(readsArgs.Errors);
        Assert.Equal((path, 5, "DEVSERVE022"), (error.Path, error.Line, error.Id));
        Assert.Contains("'args'", error.Message);
    }

    [Fact]
    public async Task After_a_lean_save_compile_and_runtime_errors_keep_the_files_lines()
    {
        using var dir = new TempDirectory();
        string App(string body) => Launcher + "static Response Start(Request request)\n{\n    " + body + "\n}\n";
        var path = dir.Write("app.cs", App("return Response.Text(\"v1\");"));
        Assert.Empty((await CompileAsync(path)).Errors);

        var error = Assert.Single((await SaveAsync(path, App("return Response.Text(42);"))).Errors);
        Assert.Equal((path, 7, "CS1503"), (error.Path, error.Line, error.Id));

        var compiled = await SaveAsync(path, App("throw new InvalidOperationException(\"line 7\");"));
        Assert.False(HasAsyncMain(compiled));
        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(async () => await compiled.Start!(TestRequests.Get(new Uri("http://127.0.0.1/"))));
        Assert.Contains($"{path}:line 7", thrown.StackTrace, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_warnings_as_errors_every_save_is_compiled_whole_and_a_Start_in_a_class_compiles_lean_without_Program()
    {
        using var dir = new TempDirectory();
        var strict = Launcher.Replace("using DevServe;", "#:property TreatWarningsAsErrors=true\nusing DevServe;");
        var path = dir.Write("app.cs", strict + "static Response Start(Request request) => Response.Text(\"v1\");\n");
        Assert.Empty((await CompileAsync(path)).Errors);
        var strictBody = await SaveAsync(path, strict + "static Response Start(Request request) => Response.Text(\"v2\");\n");
        Assert.True(HasAsyncMain(strictBody), "its warnings differ without the launch line");

        string InClass(string text) => Launcher.Replace("(Start,", "(Site.Start,") + "static class Site { public static Response Start(Request request) => Response.Text(\"" + text + "\"); }\n";
        var other = dir.Write("site.cs", InClass("v1"));
        Assert.True(HasAsyncMain(await CompileAsync(other)));
        var lean = await SaveAsync(other, InClass("v2"));
        Assert.Equal("v2", await BodyOfAsync(lean));
        Assert.Null(lean.Context!.Assemblies.Single().GetType("Program"));
    }

    [Fact]
    public async Task A_file_that_compiles_whole_but_not_lean_is_served_from_its_whole_compile_and_compiled_whole_from_then_on()
    {
        using var dir = new TempDirectory();
        // Without the launch line there are no top-level statements, so no Program class for the body to name.
        string App(string text) => Launcher.Replace("(Start,", "(Site.Start,")
            + "static class Site { public static Response Start(Request request) => Response.Text(typeof(Program).Name + \"" + text + "\"); }\n";
        var path = dir.Write("app.cs", App("1"));
        Assert.Equal("Program1", await BodyOfAsync(await CompileAsync(path)));
        foreach (var version in new[] { "2", "3" })
        {
            var compiled = await SaveAsync(path, App(version));
            Assert.Empty(compiled.Errors);
            Assert.Equal("Program" + version, await BodyOfAsync(compiled));
            Assert.True(HasAsyncMain(compiled));
        }
    }

    [Fact]
    public async Task A_suspension_in_an_app_resumes_from_where_it_stopped_without_running_earlier_code_again()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("app.cs", Launcher + """
            static async Task<Response> Start(Request request)
            {
                Counter.Starts++;
                var n = 0;
                while (true)
                {
                    await Web.SendSuspend(k => Response.Html($"<p>{n} {Counter.Starts}</p><a href=\"{k}\">next</a>"));
                    n++;
                }
            }

            static class Counter
            {
                public static int Starts;
            }
            """);
        await using var server = await ServeAsync(path);
        var page0 = await server.Client.GetStringAsync("/");
        var page1 = await server.Client.GetStringAsync(Browser.FirstLink(page0));
        Assert.Contains("<p>1 1</p>", page1);
        // The back button: page 0's link again goes on from there, with its own n; Start did not run again.
        Assert.Contains("<p>1 1</p>", await server.Client.GetStringAsync(Browser.FirstLink(page0)));
        Assert.Contains("<p>2 1</p>", await server.Client.GetStringAsync(Browser.FirstLink(page1)));
    }

    [Fact]
    public async Task An_unchanged_app_loads_from_the_cache_without_running_its_top_level()
    {
        using var cache = new TempDirectory();
        using var dir = new TempDirectory();
        var path = dir.Write("app.cs", Launcher + "static Response Start(Request request) => Response.Text(\"cached\");\n");
        var first = await CompileAsync(path, TestHosting.CacheIn(cache.Path));
        Assert.StartsWith("devserve-app-", first.Context!.Name);
        var second = await CompileAsync(path, TestHosting.CacheIn(cache.Path));
        Assert.StartsWith("devserve-script-cached-", second.Context!.Name);
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(second.Start!));
        Assert.Equal("cached", await server.Client.GetStringAsync("/"));
    }

    [Fact]
    public async Task A_cache_entry_holds_the_text_that_was_compiled_so_a_file_saved_during_the_compile_misses()
    {
        using var cacheDir = new TempDirectory();
        using var dir = new TempDirectory();
        var path = dir.Write("app.cs", "// app\n");
        var helpers = dir.Write("Helpers.cs", "// saved while the compile ran\n");
        var cache = new ScriptCache(cacheDir.Path);
        var key = ScriptCache.Key(path, "// app\n");
        var context = new ScriptLoadContext("test", new Dictionary<string, string>(), new Dictionary<string, string>());
        await cache.StoreAsync(key, [0], [0], "Program", "Start", [path, helpers], context,
            new Dictionary<string, string> { [path] = ScriptCache.Hash("// app\n"), [helpers] = ScriptCache.Hash("// what the compile read\n") },
            ScriptCache.AppKind);
        context.Unload();
        Assert.Null(await cache.TryLoadAsync(path, key));
    }

    [Fact]
    public async Task A_hundred_saves_swap_every_version_and_unload_the_old_ones()
    {
        using var dir = new TempDirectory();
        static string Version(int n) => Launcher + $"static Response Start(Request request) => Response.Text(\"v{n}\");\n";
        var path = dir.Write("app.cs", Version(1));
        var servlet = new ScriptServlet(path, TestHosting.NoCache);
        await using var _ = servlet;
        await using var server = await LoopbackServer.StartAsync(servlet.Dispatch);
        Assert.Equal("v1", await server.Client.GetStringAsync("/"));
        var contexts = new List<WeakReference>();
        for (var n = 2; n <= 100; n++)
        {
            File.WriteAllText(path, Version(n));
            await servlet.ServedAsync(server, $"v{n}", TimeSpan.FromSeconds(20));
            contexts.Add(ContextOf(servlet));
        }
        for (var i = 0; i < 10 && contexts.Count(c => c.IsAlive) > 1; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.True(contexts.Count(c => c.IsAlive) <= 1, $"{contexts.Count(c => c.IsAlive)} of {contexts.Count} load contexts alive");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference ContextOf(ScriptServlet servlet) => new(servlet.Current?.Context);

    // Whether the compiled app's top-level statements were compiled: an await among them makes Main a state machine.
    private static bool HasAsyncMain(CompiledScript compiled)
        => compiled.Context!.Assemblies.Single().GetType("Program") is { } program && program.GetNestedTypes(System.Reflection.BindingFlags.NonPublic)
            .Any(t => typeof(IAsyncStateMachine).IsAssignableFrom(t) && t.Name.Contains("<Main>$", StringComparison.Ordinal));

    private static async Task<string> BodyOfAsync(CompiledScript compiled)
    {
        var response = await compiled.Start!(TestRequests.Get(new Uri("http://127.0.0.1/")));
        using var body = new MemoryStream();
        await response.Output(body);
        return System.Text.Encoding.UTF8.GetString(body.ToArray());
    }
}
