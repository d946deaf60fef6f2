namespace DevServe.Hosting;

/// <summary>A servlet whose code changes while it is served: a script, a plugin, a REPL's <c>Start</c>.</summary>
public interface IReloadingServlet : ILoadedServlet
{
    /// <summary>The version being served (1 = the first; 0 before it).</summary>
    int VersionNumber { get; }

    /// <summary>Completes with the version number after the next swap (a reload that succeeded or failed).</summary>
    Task<int> NextSwap { get; }

    /// <summary>What the last reload did and how long it took; <c>null</c> when this servlet does not report reloads.</summary>
    ReloadReport? LastReload => null;
}
