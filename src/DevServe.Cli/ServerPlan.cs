using System.Text.RegularExpressions;
using DevServe.Hosting;

namespace DevServe.Cli;

/// <summary>How to serve: the options, resolved.</summary>
internal sealed record ServerPlan(string? ListenIp, int Port, string? LaunchPath, bool Banner, bool Quit, IReadOnlyList<string> StaticRoots,
    Regex? Only, string? LogFile, LogFormat LogFormat, string? SslCert, string? SslKey, IReadOnlyList<string> TrustedHosts)
{
    /// <summary>
    /// Serves <paramref name="servlet"/> until the quit page, Ctrl+C or <paramref name="cancellationToken"/>; exit code 0,
    /// or 1 when the server could not listen (the banner has said why).
    /// </summary>
    /// <param name="servlet">The servlet, with live reload of its pages.</param>
    /// <param name="around">Wraps the site's dispatcher (the REPL records requests).</param>
    /// <param name="started">Called with the server's base URL once it listens.</param>
    /// <param name="before">Dispatchers before the servlet (the REPL's shown pages).</param>
    /// <param name="editor">The editor the error pages link to: its endpoint is served when it runs a command.</param>
    public async Task<int> ServeAsync(IReloadingServlet servlet, Func<Dispatcher, Dispatcher>? around = null, Action<string>? started = null,
        IReadOnlyList<Dispatcher>? before = null, EditorLinks? editor = null, CancellationToken cancellationToken = default)
    {
        await using var statics = new StaticFilesWatcher(StaticRoots);
        var live = LiveReload.Wrap(servlet, servlet.Dispatch, statics, Console);
        var site = new ServletSite(Only is null ? live : Dispatchers.Sequencer(
            // With a servlet path, the live-reload stream still needs its own path.
            Dispatchers.Filter(new("^" + Regex.Escape(LiveReload.EventsPath) + "$"), live),
            Dispatchers.Filter(Only, live)))
        {
            Quit = Quit,
            // Static files first: without a servlet path the servlet answers every path.
            Before = [.. before ?? [], .. editor is { RunsCommand: true } ? [editor.Dispatch] : Array.Empty<Dispatcher>(), .. StaticRoots.Select(root => LiveReload.WrapStatic(servlet, Dispatchers.Files(root))),
                .. servlet is ScriptServlet script ? [LiveReload.WrapStatic(servlet, ScriptStaticFiles(script, statics))] : Array.Empty<Dispatcher>()],
            Around = around,
            LogFile = LogFile,
            LogFormat = LogFormat,
        };
        try
        {
            await site.ServeAsync(makeDispatcher => Launch.ServeLaunchWait(makeDispatcher,
                launchPath: LaunchPath,
                banner: Banner,
                listenIp: ListenIp,
                port: Port,
                sslCert: SslCert,
                sslKey: SslKey,
                // Like Racket's 2 s after /quit: long enough for the last page, short for open event streams.
                safetyLimits: new SafetyLimits { ShutdownGracePeriod = TimeSpan.FromSeconds(2) },
                started: started,
                trustedHosts: TrustedHosts,
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            return 0;
        }
        catch (IOException)
        {
            return 1;   // the banner has said why (a busy port)
        }
    }

    // The servlets' console lines for the tabs: the console's writers are wrapped once per process.
    private static readonly Lazy<BrowserConsole> s_console = new(() =>
    {
        var console = new BrowserConsole();
        console.Install();
        return console;
    });

    private static BrowserConsole Console => s_console.Value;

    // The folders the script itself serves (StaticFilesPath), watched for live reload as it names them: each version's
    // list is a new one, so a request looks at the roots only when a version changed them.
    private static Dispatcher ScriptStaticFiles(ScriptServlet script, StaticFilesWatcher statics)
    {
        IReadOnlyList<string>? watched = null;
        return request =>
        {
            if (script.StaticRoots is var roots && !ReferenceEquals(roots, Volatile.Read(ref watched)))
            {
                foreach (var root in roots)
                {
                    statics.Watch(root);
                }
                Volatile.Write(ref watched, roots);
            }
            return script.StaticFiles(request);
        };
    }
}
