using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using DevServe.Hosting;

namespace DevServe.Tests;

/// <summary>Servlets from class libraries: built by the test, served, rebuilt and served again in-process.</summary>
public sealed class PluginServletTests
{
    /// <summary>Waits (over swaps, bounded) until the page is <paramref name="expected"/>: one build may swap twice.</summary>
    private static async Task<string> ServedAsync(IReloadingServlet servlet, LoopbackServer server, Func<string, bool> expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (true)
        {
            var swapped = servlet.NextSwap;
            var page = await (await server.Client.GetAsync("/")).Content.ReadAsStringAsync();
            if (expected(page))
            {
                return page;
            }
            var left = deadline - DateTime.UtcNow;
            Assert.True(left > TimeSpan.Zero, "The page never became what was expected; last seen:\n" + page);
            try
            {
                await swapped.WaitAsync(left);
            }
            catch (TimeoutException)
            {
                Assert.Fail("No reload happened; last seen:\n" + page);
            }
        }
    }

    /// <summary>
    /// Serves <paramref name="servlet"/>. The first request waits for a <c>dotnet build</c>, which took
    /// over 30 s on a loaded 2-core CI machine: the client waits as long as the build itself may take.
    /// </summary>
    private static async Task<LoopbackServer> ServeAsync(PluginServlet servlet)
    {
        var server = await LoopbackServer.StartAsync(servlet.Dispatch);
        server.Client.Timeout = TimeSpan.FromMinutes(3);
        return server;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference ContextOf(PluginServlet servlet) => new(AssemblyLoadContext.GetLoadContext(servlet.CurrentAssembly!));

    [Fact]
    public async Task A_rebuilt_library_is_served_at_once_and_the_old_load_context_unloads()
    {
        using var plugin = new PluginProject(PluginProject.Answering("v1"));
        await plugin.BuildAsync();
        await using var servlet = new PluginServlet(plugin.Assembly);
        await using var server = await ServeAsync(servlet);
        Assert.Equal("v1", await server.Client.GetStringAsync("/"));
        var old = new List<WeakReference> { ContextOf(servlet) };
        Assert.True(old[0].Target is AssemblyLoadContext { IsCollectible: true });
        for (var n = 2; n <= 3; n++)
        {
            plugin.Write(PluginProject.Answering($"v{n}"));
            await plugin.BuildAsync();
            await ServedAsync(servlet, server, page => page == $"v{n}");
            old.Add(ContextOf(servlet));
        }
        for (var i = 0; i < 10 && old.Take(2).Any(c => c.IsAlive); i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.False(old[0].IsAlive, "the first build's load context is still alive");
        Assert.False(old[1].IsAlive, "the second build's load context is still alive");
        Assert.True(old[2].IsAlive);   // the one serving
    }

    [Fact]
    public async Task A_project_is_built_rebuilt_on_save_and_its_compile_errors_get_the_error_page()
    {
        using var plugin = new PluginProject(PluginProject.Answering("built"));
        await using var servlet = new PluginServlet(plugin.Project);
        await using var server = await ServeAsync(servlet);
        Assert.Equal("built", await server.Client.GetStringAsync("/"));

        plugin.Write("namespace TestPlugin;\npublic static class Servlet\n{\n    public static DevServe.Response Start(DevServe.Request request) => 42;\n}\n");
        var error = await ServedAsync(servlet, server, page => page.Contains("does not build"));
        Assert.Contains("Servlet.cs:4:", error);
        Assert.Contains("CS0029", error);
        Assert.Contains("=&gt; 42;", error);   // the source line, shown
        Assert.Equal(HttpStatusCode.InternalServerError, (await server.Client.GetAsync("/")).StatusCode);

        plugin.Write(PluginProject.Answering("fixed"));
        await ServedAsync(servlet, server, page => page == "fixed");
    }

    [Fact]
    public async Task A_library_without_Start_or_a_broken_image_gets_an_error_page_not_a_crash()
    {
        using var plugin = new PluginProject("namespace TestPlugin;\npublic static class Helpers\n{\n    public static int Start(int x) => x;\n}\n");
        await using (var servlet = new PluginServlet(plugin.Project))
        await using (var server = await ServeAsync(servlet))
        {
            var response = await server.Client.GetAsync("/");
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
            var page = await response.Content.ReadAsStringAsync();
            Assert.Contains("does not load", page);
            Assert.Contains("TestPlugin has no servlet", page);
        }

        using var dir = new TempDirectory();
        var garbage = dir.Write("Broken.dll", "this is not a portable executable");
        await using (var servlet = new PluginServlet(garbage))
        await using (var server = await ServeAsync(servlet))
        {
            var page = await (await server.Client.GetAsync("/")).Content.ReadAsStringAsync();
            Assert.Contains("does not load", page);
            Assert.Contains("BadImageFormatException", page);
        }
    }
}
