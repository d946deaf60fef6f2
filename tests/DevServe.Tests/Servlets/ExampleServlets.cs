using System.Collections.Concurrent;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;

namespace DevServe.Tests;

/// <summary>
/// Compiles the example servlets in servlets/*.csx with Roslyn scripting, as a user writes them (Start with the
/// DevServe and DevServe.Web imports), until DevServe.Hosting does this itself.
/// </summary>
public static class ExampleServlets
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<Script<Func<Request, Task<Response>>>>>> s_compiled = new();

    public static string Directory { get; } = FindServlets();

    /// <summary>A fresh run of the script (its top-level state is new) and its Start.</summary>
    public static async Task<Func<Request, Task<Response>>> LoadAsync(string name)
    {
        var script = await s_compiled.GetOrAdd(name, n => new Lazy<Task<Script<Func<Request, Task<Response>>>>>(() => Task.Run(() =>
        {
            var code = File.ReadAllText(Path.Combine(Directory, n));
            var script = CSharpScript.Create<Func<Request, Task<Response>>>(
                "using DevServe;\nusing static DevServe.Web;\n" + code + "\nreturn DevServe.Tests.StartOf.Of(Start);",
                ScriptOptions.Default
                    .AddReferences(typeof(Request).Assembly, typeof(ExampleServlets).Assembly)
                    .AddImports("System", "System.Linq", "System.Collections.Generic", "System.Threading.Tasks"));
            var errors = script.Compile().Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error).ToList();
            return errors.Count == 0 ? script : throw new InvalidOperationException(string.Join("\n", errors));
        }))).Value;
        return (await script.RunAsync()).ReturnValue;
    }

    private static string FindServlets()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "servlets");
            if (File.Exists(Path.Combine(candidate, "add.csx")))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException("servlets/ not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>Turns a script's Start, sync or async, into one shape.</summary>
public static class StartOf
{
    public static Func<Request, Task<Response>> Of(Func<Request, Task<Response>> start) => start;

    public static Func<Request, Task<Response>> Of(Func<Request, Response> start) => r => Task.FromResult(start(r));
}
