using DevServe.Hosting;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DevServe.Tests;

/// <summary><c>#r</c> in scripts: a dll beside the script, loaded into the script's own context.</summary>
public sealed class ScriptReferenceTests
{
    [Fact]
    public async Task A_script_references_a_dll_by_path_and_its_servlet_calls_into_it()
    {
        using var dir = new TempDirectory();
        // A real library, compiled here: Greeter.Greet(name).
        var library = CSharpCompilation.Create("Greeter",
            [CSharpSyntaxTree.ParseText("namespace Greeting; public static class Greeter { public static string Greet(string n) => \"Hello, \" + n + \"!\"; }")],
            [MetadataReference.CreateFromFile(typeof(object).Assembly.Location),
             MetadataReference.CreateFromFile(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "System.Runtime.dll"))],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var dll = Path.Combine(dir.Path, "lib", "Greeter.dll");
        Directory.CreateDirectory(Path.GetDirectoryName(dll)!);
        var emitted = library.Emit(dll);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        var script = dir.Write("greet.csx", "#r \"lib/Greeter.dll\"\nResponse Start(Request request) => Response.Text(Greeting.Greeter.Greet(request.Bindings[\"name\"] ?? \"nobody\"));\n");

        var compiled = await ScriptCompiler.CompileAsync(script, TestHosting.NoCache);
        Assert.Empty(compiled.Errors);
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(compiled.Start!));
        Assert.Equal("Hello, Ada!", await server.Client.GetStringAsync("/?name=Ada"));
        // The library lives and dies with the script: it loaded into the script's collectible context.
        var greeter = compiled.Context!.Assemblies.Single(a => a.GetName().Name == "Greeter");
        Assert.Same(compiled.Context, System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(greeter));
    }

    [Fact]
    public async Task A_nuget_reference_without_an_exact_version_is_an_error_on_its_line()
    {
        using var dir = new TempDirectory();
        var script = dir.Write("s.csx", "// notes\n#r \"nuget: Microsoft.Data.Sqlite\"\nResponse Start(Request request) => Response.Text(\"x\");\n");
        var compiled = await ScriptCompiler.CompileAsync(script, TestHosting.NoCache);
        var error = Assert.Single(compiled.Errors);
        Assert.Equal(2, error.Line);
        Assert.Contains("exact version", error.Message);
    }
}
