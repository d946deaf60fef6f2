using DevServe.Hosting;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DevServe.Tests;

/// <summary><c>devserve convert</c>'s conversion of a script into a class: what it writes compiles, keeps the script's order, and refuses what a class cannot hold.</summary>
public sealed class ScriptConverterTests
{
    private static async Task<ScriptConverter.Result> ConvertAsync(string path)
    {
        var (converted, errors) = await ScriptConverter.ConvertAsync(path, TestHosting.NoCache, CancellationToken.None);
        return converted ?? throw new InvalidOperationException(string.Join("\n", errors));
    }

    // The converted source compiled as a class library would compile it.
    private static IReadOnlyList<Diagnostic> Compile(string source)
        => [.. CSharpCompilation.Create("converted", [CSharpSyntaxTree.ParseText(source)], ScriptCompiler.References,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary))
            .GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error)];

    [Fact]
    public async Task Variables_statements_properties_and_types_become_a_class_that_compiles_and_keeps_the_scripts_order()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("ok.csx", """
            using System.Text.Json.Serialization;
            const int Max = 3;
            var names = new List<string>();
            names.Add("first");
            var first = names[0];   // needs the Add above: an initializer would run before it
            [JsonIgnore] int Count { get; set; }
            var pairs = new List<(string, int)> { ("a", 1) };
            record Entry(string Name) { public int Limit => Max; }   // uses the script's const
            Response Start(Request request) => Response.Text(first + new Entry("x").Limit + pairs.Count);
            """);
        var converted = await ConvertAsync(path);
        Assert.Empty(Compile(converted.Source));
        Assert.Contains("private static List<(string, int)> pairs;", converted.Source);
        var body = converted.Source[converted.Source.IndexOf("static Servlet()", StringComparison.Ordinal)..];
        Assert.True(body.IndexOf("names.Add(\"first\");", StringComparison.Ordinal) < body.IndexOf("first = names[0];", StringComparison.Ordinal));
        Assert.Contains("[JsonIgnore]\n    private static int Count", converted.Source);
    }

    [Fact]
    public async Task What_a_class_cannot_hold_is_refused_with_its_line_and_nothing_of_the_script_runs()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("bad.csx", """
            File.WriteAllText(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "devserve-convert-ran-" + Environment.ProcessId), "ran");
            var anon = new { A = 1 };
            int.TryParse("3", out var n);
            var text = await File.ReadAllTextAsync("/etc/hostname");
            Response Start(Request request) => Response.Text("x");
            """);
        var (converted, errors) = await ScriptConverter.ConvertAsync(path, TestHosting.NoCache, CancellationToken.None);
        Assert.Null(converted);
        Assert.Equal([2, 3, 4], errors.Select(e => e.Line));
        Assert.All(errors, e => Assert.Equal("DEVSERVE030", e.Id));
        Assert.False(File.Exists(Path.Combine(Path.GetTempPath(), "devserve-convert-ran-" + Environment.ProcessId)));
    }

    [Fact]
    public async Task A_scripts_dlls_projects_and_properties_are_carried_into_the_project()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("s.csx", "#:property AllowUnsafeBlocks=true\n#:property PublishAot=false\n#:project ../../src/DevServe/DevServe.csproj\n"
            + "#r \"nuget: Microsoft.Data.Sqlite, 10.0.15\"\nResponse Start(Request request) => Response.Text(\"x\");\n");
        var converted = await ConvertAsync(path);
        Assert.Equal([("Microsoft.Data.Sqlite", "10.0.15")], converted.Packages);
        Assert.Equal(new Dictionary<string, string> { ["AllowUnsafeBlocks"] = "true" }, converted.Properties);
        Assert.Empty(converted.Projects);   // DevServe itself is the host's
    }
}
