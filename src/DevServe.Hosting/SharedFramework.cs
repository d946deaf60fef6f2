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
/// packs' files). Compiled against Roslyn's assemblies as well, REPL submissions failed to emit (CS7038).
/// </remarks>
internal static class SharedFramework
{
    /// <summary>The list a self-contained publish writes beside the app (DevServe.Cli.csproj).</summary>
    internal const string ListFile = "framework-assemblies.txt";

    /// <summary>The full paths of the frameworks' assemblies, in the host's trusted platform list order.</summary>
    public static IEnumerable<string> Assemblies()
    {
        var list = Path.Combine(AppContext.BaseDirectory, ListFile);
        var names = File.Exists(list)
            ? File.ReadAllLines(list).Where(n => n.Length > 0)
            : new[] { typeof(object).Assembly.Location, typeof(Microsoft.AspNetCore.Http.HttpContext).Assembly.Location }
                .Select(Path.GetDirectoryName).Distinct().SelectMany(d => Directory.EnumerateFiles(d!, "*.dll")).Select(Path.GetFileName);
        var framework = names.ToHashSet(StringComparer.OrdinalIgnoreCase);
        return ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => framework.Contains(Path.GetFileName(p)));
    }
}
