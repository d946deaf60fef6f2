namespace DevServe.Hosting;

/// <summary>
/// How DevServe hosts script, plugin and REPL servlets: where it keeps compiled scripts and restored packages,
/// whether servlets are stateless and with which stuffer. Built once at the edge (the CLI reads its environment
/// variables there) and passed in; nothing below reads the environment.
/// </summary>
public sealed record ServletHostOptions
{
    /// <summary>The defaults: cache in <see cref="DefaultCacheDirectory"/>, stateful servlets.</summary>
    public static ServletHostOptions Default { get; } = new();

    /// <summary><c>~/.cache/devserve/scripts</c>.</summary>
    public static string DefaultCacheDirectory =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "devserve", "scripts");

    /// <summary>Where compiled scripts (and, below <c>nuget/</c>, restored package sets) are kept.</summary>
    public string CacheDirectory { get; init; } = DefaultCacheDirectory;

    /// <summary>Whether an unchanged script is loaded from the compiled-script cache (package sets are always kept).</summary>
    public bool UseCache { get; init; } = true;

    /// <summary>Serve statelessly: k-urls carry their continuations and outlive reloads.</summary>
    public bool Stateless { get; init; }

    /// <summary>The stateless servlets' stuffer; <c>null</c> = <see cref="Stuffers.Default"/>.</summary>
    public IStuffer<byte[]>? Stuffer { get; init; }

    /// <summary>
    /// This node's name in its k-urls (<see cref="IManager.Node"/>), so a load balancer can route each back to it;
    /// <c>null</c> = a single server.
    /// </summary>
    public string? NodeId { get; init; }

    /// <summary>Makes every file:line on the error pages a link that opens this editor there; <c>null</c> = plain text.</summary>
    public EditorLinks? Editor { get; init; }

    /// <summary>
    /// Asked to compile a servlet the cache does not have while Roslyn is cold in this process (<see cref="CompileServer"/>);
    /// <c>null</c> = always compile here.
    /// </summary>
    internal CompileServerClient? CompileServer { get; init; }

    /// <summary>Where restored package sets are kept.</summary>
    internal string PackagesDirectory => Path.Combine(CacheDirectory, "nuget");
}
