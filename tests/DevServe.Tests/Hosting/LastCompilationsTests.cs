using DevServe.Hosting;

namespace DevServe.Tests;

/// <summary>
/// A recompile starts from the file's last compilation (<see cref="LastCompilations"/>). Not run beside other tests:
/// their compiles fill the process-wide cache of last compilations, which then starts over.
/// </summary>
[Collection(LastCompilationsCollection.Name)]
public sealed class LastCompilationsTests
{
    private static readonly Request s_request = new("GET", new Uri("http://x/"), [], Bindings.Empty, null, "", 0, "");

    [Fact]
    public async Task A_recompile_of_a_script_keeps_its_bound_references_unless_it_loads_a_file()
    {
        using var cache = new TempDirectory();
        var options = TestHosting.CacheIn(cache.Path) with { UseCache = false };
        using var dir = new TempDirectory();
        dir.Write("lib.csx", "string Word() => \"loaded\";\n");
        var path = dir.Write("r.csx", "Response Start(Request request) => Response.Text(\"v1\");\n");
        var first = await ScriptCompiler.CompileAsync(path, options);
        File.WriteAllText(path, "Response Start(Request request) => Response.Text(\"v2\");\n");
        var second = await ScriptCompiler.CompileAsync(path, options);
        // The same assembly name: the last compilation was reused, yet the new text is what runs.
        Assert.Equal(first.Context!.Name, second.Context!.Name);
        Assert.Equal("v2", await BodyTextAsync(await second.Start!(s_request)));
        File.WriteAllText(path, "#load \"lib.csx\"\nResponse Start(Request request) => Response.Text(Word());\n");
        var third = await ScriptCompiler.CompileAsync(path, options);
        Assert.NotEqual(second.Context.Name, third.Context!.Name);   // a #load: made anew, so Roslyn resolves it
        Assert.Equal("loaded", await BodyTextAsync(await third.Start!(s_request)));
    }

    [Fact]
    public async Task A_recompile_of_an_app_keeps_its_bound_references_unless_its_options_change()
    {
        using var cache = new TempDirectory();
        var options = TestHosting.CacheIn(cache.Path) with { UseCache = false };
        using var dir = new TempDirectory();
        var path = dir.Write("app.cs", "using DevServe;\nstatic Response Start(Request request) => Response.Text(\"v1\");\n");
        var first = await ScriptCompiler.CompileAsync(path, options);
        File.WriteAllText(path, "using DevServe;\nstatic Response Start(Request request) => Response.Text(\"v2\");\n");
        var second = await ScriptCompiler.CompileAsync(path, options);
        Assert.Equal(first.Context!.Name, second.Context!.Name);
        Assert.Equal("v2", await BodyTextAsync(await second.Start!(s_request)));
        File.WriteAllText(path, "#:property Nullable=disable\nusing DevServe;\nstatic Response Start(Request request) => Response.Text(\"v3\");\n");
        var third = await ScriptCompiler.CompileAsync(path, options);
        Assert.NotEqual(second.Context.Name, third.Context!.Name);   // other options: a new compilation
        Assert.Equal("v3", await BodyTextAsync(await third.Start!(s_request)));
    }

    private static async Task<string> BodyTextAsync(Response response)
    {
        using var stream = new MemoryStream();
        await response.Output(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}

/// <summary>The tests of <see cref="LastCompilationsTests"/>, run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LastCompilationsCollection
{
    public const string Name = "last compilations";
}
