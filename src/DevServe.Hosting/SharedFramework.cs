using System.Text.Json;

namespace DevServe.Hosting;

/// <summary>
/// The files of the .NET and ASP.NET Core shared frameworks this process runs on: what a servlet compiles against, as a
/// project would, and never DevServe's own dependencies (Roslyn, the plugin loader...).
/// </summary>
/// <remarks>
/// Framework-dependent, they are the trusted platform assemblies that lie in the frameworks' directories. Self-contained
/// (docs/design/hosting.md §5.3), the frameworks' files lie beside DevServe's own in one folder, and only the app's
/// <c>.deps.json</c> tells them apart: it lists them under its <c>runtimepack</c> libraries. Compiled against Roslyn's
/// own assemblies as well, REPL submissions failed to emit (CS7038).
/// </remarks>
internal static class SharedFramework
{
    /// <summary>The full paths of the frameworks' assemblies, in the host's trusted platform list order.</summary>
    public static IEnumerable<string> Assemblies()
    {
        var tpa = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        var directories = new[] { typeof(object).Assembly.Location, typeof(Microsoft.AspNetCore.Http.HttpContext).Assembly.Location }
            .Select(Path.GetDirectoryName).ToHashSet(StringComparer.Ordinal);
        var app = Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory);
        if (!directories.Contains(app))
        {
            return tpa.Where(p => directories.Contains(Path.GetDirectoryName(p)));
        }
        var depsFiles = ((string?)AppContext.GetData("APP_CONTEXT_DEPS_FILES") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var names = depsFiles.SelectMany(RuntimePackFiles).ToHashSet(StringComparer.Ordinal);
        return tpa.Where(p => Path.GetDirectoryName(p) == app && names.Contains(Path.GetFileName(p)));
    }

    // deps.json: targets → the one target → "runtimepack.*" libraries → their "runtime" file names.
    private static List<string> RuntimePackFiles(string depsFile)
    {
        using var deps = JsonDocument.Parse(File.ReadAllBytes(depsFile));
        var names = new List<string>();
        foreach (var target in deps.RootElement.GetProperty("targets").EnumerateObject())
        {
            foreach (var library in target.Value.EnumerateObject())
            {
                if (library.Name.StartsWith("runtimepack.", StringComparison.Ordinal)
                    && library.Value.TryGetProperty("runtime", out var runtime))
                {
                    names.AddRange(runtime.EnumerateObject().Select(f => Path.GetFileName(f.Name)));
                }
            }
        }
        return names;
    }
}
