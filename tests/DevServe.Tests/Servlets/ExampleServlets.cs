using DevServe.Hosting;

namespace DevServe.Tests;

/// <summary>The example servlets in servlets/*.csx, compiled by DevServe.Hosting exactly as devserve run compiles them.</summary>
public static class ExampleServlets
{
    public static string Directory { get; } = FindServlets();

    /// <summary>A fresh compile and run of the script (its top-level state is new) and its Start.</summary>
    public static async Task<Func<Request, Task<Response>>> LoadAsync(string name)
    {
        var compiled = await ScriptCompiler.CompileAsync(Path.Combine(Directory, name), TestHosting.NoCache);
        return compiled.Start ?? throw new InvalidOperationException(string.Join("\n", compiled.Errors));
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
