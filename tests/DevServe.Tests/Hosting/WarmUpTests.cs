using DevServe.Hosting;

namespace DevServe.Tests;

/// <summary>
/// After its first version a script servlet compiles its file in the background until the first save, so that the
/// saves find Roslyn warm (<see cref="ScriptServlet.WarmedUp"/>). Not run beside other tests: the number of warm-up
/// compiles is the process's, and none is left to the other tests (<see cref="NoWarmUps"/>).
/// </summary>
[Collection(WarmUpCollection.Name)]
public sealed class WarmUpTests
{
    [Theory]
    [InlineData("warm.csx", "x")]   // a script's top level runs once, as its version loads
    [InlineData("warm.cs", "")]     // an app's top-level statements never run under devserve
    public async Task The_warm_up_compiles_the_file_without_running_any_of_its_code(string name, string ranAtLoad)
    {
        using var dir = new TempDirectory();
        var ran = Path.Combine(dir.Path, "ran.txt");
        File.WriteAllText(ran, "");
        var app = name.EndsWith(".cs", StringComparison.Ordinal);
        var path = dir.Write(name, (app ? "using DevServe;\n" : "") + $"System.IO.File.AppendAllText(@\"{ran}\", \"x\");\n"
            + (app ? "static " : "") + "Response Start(Request request) => Response.Text(\"v0\");\n");
        ScriptServlet.WarmUpsLeft = 5;
        try
        {
            await using var servlet = new ScriptServlet(path, TestHosting.CacheIn(dir.Path) with { UseCache = false });
            await using var server = await LoopbackServer.StartAsync(servlet.Dispatch);
            Assert.Equal("v0", await server.Client.GetStringAsync("/"));
            await servlet.WarmedUp.WaitAsync(TimeSpan.FromSeconds(120));
            Assert.Equal(5, servlet.WarmUpCompiles);
            Assert.Equal(ranAtLoad, File.ReadAllText(ran));
            Assert.Equal("v0", await server.Client.GetStringAsync("/"));
        }
        finally
        {
            ScriptServlet.WarmUpsLeft = 0;
        }
    }

    [Fact]
    public async Task A_version_that_does_not_load_is_not_warmed_up()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("broken.csx", "Response Start(Request request) => Response.Text(\"v0\")\n");   // no semicolon
        ScriptServlet.WarmUpsLeft = 5;
        try
        {
            await using var servlet = new ScriptServlet(path, TestHosting.CacheIn(dir.Path) with { UseCache = false });
            await using var server = await LoopbackServer.StartAsync(servlet.Dispatch);
            Assert.Contains("CS1002", await (await server.Client.GetAsync("/")).Content.ReadAsStringAsync());
            await servlet.WarmedUp.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(0, servlet.WarmUpCompiles);
            Assert.Equal(5, ScriptServlet.WarmUpsLeft);
        }
        finally
        {
            ScriptServlet.WarmUpsLeft = 0;
        }
    }

    [Fact]
    public async Task A_save_ends_the_warm_up_and_is_served()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("save.csx", "Response Start(Request request) => Response.Text(\"v0\");\n");
        const int Budget = 1_000_000;   // never spent: only the save ends this warm-up
        ScriptServlet.WarmUpsLeft = Budget;
        try
        {
            await using var servlet = new ScriptServlet(path, TestHosting.CacheIn(dir.Path) with { UseCache = false });
            await using var server = await LoopbackServer.StartAsync(servlet.Dispatch);
            Assert.Equal("v0", await server.Client.GetStringAsync("/"));
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (ScriptServlet.WarmUpsLeft > Budget - 2)
            {
                Assert.True(DateTime.UtcNow < deadline, "the warm-up did not start");
                await Task.Delay(10);
            }
            await servlet.SaveAsync(path, "Response Start(Request request) => Response.Text(\"v1\");\n", TimeSpan.FromSeconds(60));
            await servlet.WarmedUp.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(ScriptServlet.WarmUpsLeft > Budget - 1000, "the warm-up ran on after the save");
            Assert.Equal("v1", await server.Client.GetStringAsync("/"));
        }
        finally
        {
            ScriptServlet.WarmUpsLeft = 0;
        }
    }
}

/// <summary>
/// No warm-up for the servlets of the other tests: its compiles would compete with theirs, and its collection would come
/// at any time (some tests count collections).
/// </summary>
internal static class NoWarmUps
{
#pragma warning disable CA2255 // a test assembly's setting, made before any test runs
    [System.Runtime.CompilerServices.ModuleInitializer]
#pragma warning restore CA2255
    internal static void Set() => ScriptServlet.WarmUpsLeft = 0;
}

/// <summary>The tests of <see cref="WarmUpTests"/>, run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WarmUpCollection
{
    public const string Name = "warm-up";
}
