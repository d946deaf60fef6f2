namespace DevServe.Hosting;

/// <summary>
/// The files of the .NET and ASP.NET Core shared frameworks this process runs on: what a servlet compiles against, as a
/// project would, and never DevServe's own dependencies (Roslyn, the plugin loader...).
/// </summary>
/// <remarks>
/// The frameworks' file names, each taken where the host loads it from (its trusted platform list): a package of
/// DevServe's that carries a newer build of a framework assembly (<c>Microsoft.Extensions.Logging.Abstractions</c>,
/// through StackExchange.Redis) wins over the framework's copy, and is still the framework's assembly. The names come
/// from the frameworks' directories or, self-contained (docs/design/hosting.md §5.3), where the frameworks' files lie
/// beside DevServe's own, from the list the publish writes beside them (<c>framework-assemblies.txt</c>, the runtime
/// packs' files), or else from the app's <c>.deps.json</c>. Compiled against Roslyn's assemblies as well, REPL
/// submissions failed to emit (CS7038).
/// </remarks>
internal static class SharedFramework
{
    /// <summary>The list a self-contained publish writes beside the app (DevServe.Cli.csproj).</summary>
    internal const string ListFile = "framework-assemblies.txt";

    /// <summary>The full paths of the frameworks' assemblies, in the host's trusted platform list order.</summary>
    public static IEnumerable<string> Assemblies()
    {
        var framework = Names().ToHashSet(StringComparer.OrdinalIgnoreCase);
        return ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => framework.Contains(Path.GetFileName(p)));
    }

    private static IEnumerable<string> Names()
    {
        var list = Path.Combine(AppContext.BaseDirectory, ListFile);
        if (File.Exists(list))
        {
            return File.ReadAllLines(list).Where(n => n.Length > 0);
        }
        var directories = new[] { typeof(object).Assembly.Location, typeof(Microsoft.AspNetCore.Http.HttpContext).Assembly.Location }
            .Select(Path.GetDirectoryName).OfType<string>().Distinct().ToList();
        if (!directories.Contains(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)))
        {
            return directories.SelectMany(d => Directory.EnumerateFiles(d, "*.dll")).Select(Path.GetFileName).OfType<string>();
        }
        // Self-contained without the list (an app of its own hosting DevServe.Hosting): its .deps.json's runtime packs,
        // which lack a framework assembly that a package carries newer.
        return ((string?)AppContext.GetData("APP_CONTEXT_DEPS_FILES") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(RuntimePackFiles);
    }

    // deps.json: targets → each target → "runtimepack.*" libraries → their "runtime" file names.
    private static List<string> RuntimePackFiles(string depsFile)
    {
        using var deps = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(depsFile));
        var names = new List<string>();
        foreach (var target in deps.RootElement.GetProperty("targets").EnumerateObject())
        {
            foreach (var library in target.Value.EnumerateObject())
            {
                if (library.Name.StartsWith("runtimepack.", StringComparison.Ordinal) && library.Value.TryGetProperty("runtime", out var runtime))
                {
                    names.AddRange(runtime.EnumerateObject().Select(f => Path.GetFileName(f.Name)));
                }
            }
        }
        return names;
    }
}
