using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using DevServe.Internal;

namespace DevServe;

/// <summary>
/// The dispatcher of a configured site: per host table, built on first use and cached, the chain of Racket's
/// web-server-unit.rkt. Hosts are cached per table, not per <c>Host</c> value, so odd host names cannot grow memory.
/// </summary>
internal sealed class WebServerUnit : IAsyncDisposable
{
    private readonly WebConfig _config;
    private readonly IServletLoader? _loader;
    private readonly bool _loopbackOnly;
    private readonly (Regex Name, HostTable Host)[] _virtualHosts;
    private readonly ConcurrentDictionary<HostTable, Lazy<Dispatcher>> _chains = new(ReferenceEqualityComparer.Instance);
    private readonly List<ServletCache> _caches = [];
    private readonly List<RequestLog> _logs = [];   // guarded by _caches
    private readonly RateLimit _collections = new(TimeSpan.FromSeconds(10));

    public WebServerUnit(WebConfig config, IServletLoader? loader)
    {
        _config = config;
        _loader = loader;
        _loopbackOnly = ListenAddress.IsLoopback(config.ListenIp);
        // Racket matches name(:[0-9]*)? anywhere in the host; matching it whole keeps "example.com" from matching "example.com.evil".
        _virtualHosts = [.. config.VirtualHosts.Select(v => (new Regex($"^(?:{v.Name})(:[0-9]*)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant), v.Host))];
    }

    public ValueTask<Response?> Dispatch(Request request)
    {
        var host = request.Header("Host") ?? request.Uri.Authority;
        var table = _config.DefaultHost;
        foreach (var (name, candidate) in _virtualHosts)
        {
            if (name.IsMatch(host))
            {
                table = candidate;
                break;
            }
        }
        // Bound to loopback, the default host answers only names of this machine: a page whose name was rebound to
        // 127.0.0.1 must not read the site (Dispatchers.LoopbackHosts). The virtual hosts name themselves.
        if (_loopbackOnly && ReferenceEquals(table, _config.DefaultHost) && request.Header("Host") is { } sent
            && !Dispatchers.IsLoopbackHost(Dispatchers.HostName(sent)))
        {
            return new(ErrorPages.Status(421, "This server answers only requests addressed to this machine or to its virtual hosts."));
        }
        return _chains.GetOrAdd(table, t => new Lazy<Dispatcher>(() => Build(t))).Value(request);
    }

    private Dispatcher Build(HostTable host)
    {
        var paths = Resolve(host);
        var cache = new ServletCache();
        lock (_caches)
        {
            _caches.Add(cache);
        }
        Response Message(string file, int code, string message, string fallback)
            => File.Exists(file) ? Response.Full(code, message, DateTimeOffset.UtcNow, Response.HtmlMime, [], [File.ReadAllBytes(file)])
                : ErrorPages.Status(code, fallback);
        // Racket answers /conf/ to anyone; a site listening on every address must not let a stranger drop every
        // user's continuations or run a full collection per request.
        var core = new List<Dispatcher> { LocalConf };
        if (paths.Passwords is { } passwords)
        {
            core.Add(Dispatchers.Timeouts(TimeSpan.FromSeconds(host.Timeouts.Password), Dispatchers.Sequencer(
                Dispatchers.Passwords(passwords, (_, realm) => Message(paths.Message(host.Messages.Authentication), 401, "Authorization Required",
                    $"Authorization is required for \"{realm}\".")),
                // The realms reload whenever the file changes; this URL answers as Racket's does.
                Dispatchers.PathProcedure("/conf/refresh-passwords", _ => Message(paths.Message(host.Messages.PasswordsRefreshed), 200,
                    "OK", "The passwords have been refreshed.")))));
        }
        core.Add(Dispatchers.PathProcedure("/conf/collect-garbage", _ => _collections.TryRun(GC.Collect) is not { } wait
            ? Message(paths.Message(host.Messages.CollectGarbage), 200, "OK", "The garbage collector has run.")
            : TooSoon(wait)));
        core.Add(request => request.Path == "/conf/refresh-servlets"
            ? RefreshAsync(cache, () => Message(paths.Message(host.Messages.ServletsRefreshed), 200, "OK", "The servlets have been refreshed."))
            : Dispatchers.NextDispatcher);
        if (_loader is not null)
        {
            core.Add(Dispatchers.Timeouts(TimeSpan.FromSeconds(host.Timeouts.ServletConnection), Dispatchers.Servlets(paths.Servlets, _loader, cache)));
        }
        core.Add(Dispatchers.Files(paths.Files, paths.MimeTypes is { } mime ? MimeTypes.Load(mime) : null, host.Indices));
        core.Add(Dispatchers.Lift(request => Message(paths.Message(host.Messages.FileNotFound), 404, "Not Found",
            $"The page {WebUtility.HtmlEncode(request.Path)} was not found.")));
        var chain = Dispatchers.Sequencer([.. core]);
        if (paths.Log is not { } logFile)
        {
            return chain;
        }
#pragma warning disable CA2000 // the site owns it: DisposeAsync closes it once the server has stopped
        var log = new RequestLog(logFile);
#pragma warning restore CA2000
        lock (_caches)
        {
            _logs.Add(log);
        }
        return Dispatchers.Log(host.LogFormat, log, chain);
    }

    private static readonly HashSet<string> s_confPaths = ["/conf/refresh-passwords", "/conf/collect-garbage", "/conf/refresh-servlets"];

    /// <summary>
    /// Answers 403 to a <c>/conf/</c> request from another machine, or one a page of another site made this machine's
    /// browser send (an <c>&lt;img src="http://localhost/conf/…"&gt;</c>: <c>Sec-Fetch-Site</c> says so); passes on
    /// every other request.
    /// </summary>
    private static ValueTask<Response?> LocalConf(Request request)
        => !s_confPaths.Contains(request.Path)
            || (IPAddress.TryParse(request.ClientIp, out var client) && IPAddress.IsLoopback(client)
                && request.Header("Sec-Fetch-Site") is null or "same-origin" or "none")
            ? Dispatchers.NextDispatcher
            : new(ErrorPages.Status(403, "The /conf/ pages answer only requests made on the server's own machine, from its own pages or the address bar."));

    private static Response TooSoon(TimeSpan wait) => ErrorPages.Status(429, "The garbage collector ran moments ago; try again shortly.",
        [new Header("Retry-After", Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture))]);

    private static async ValueTask<Response?> RefreshAsync(ServletCache cache, Func<Response> page)
    {
        await cache.ClearAsync().ConfigureAwait(false);
        return page();
    }

    /// <summary>A host's paths made absolute, Racket's way (web-config-unit.rkt's <c>expand-paths</c>).</summary>
    private sealed record ResolvedPaths(string Configuration, string? Log, string Files, string Servlets, string? MimeTypes, string? Passwords)
    {
        public string Message(string file) => Path.GetFullPath(Path.Combine(Configuration, file));
    }

    private ResolvedPaths Resolve(HostTable host)
    {
        var p = host.Paths;
        var root = Path.GetFullPath(Path.Combine(_config.BaseDirectory, p.HostRoot));
        string Under(string dir, string path) => Path.GetFullPath(Path.Combine(dir, path));
        var files = Under(root, p.FileRoot);
        return new ResolvedPaths(Under(root, p.ConfigurationRoot), p.LogFile is { } log ? Under(root, log) : null, files,
            Under(files, p.ServletRoot), p.MimeTypes is { } mime ? Under(root, mime) : null,
            p.Passwords is { } passwords && File.Exists(Under(root, passwords)) ? Under(root, passwords) : null);
    }

    /// <summary>
    /// Unloads every servlet the site loaded and closes its logs (awaited outside the lock: a servlet's unloading may
    /// take a while).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        ServletCache[] caches;
        RequestLog[] logs;
        lock (_caches)
        {
            caches = [.. _caches];
            logs = [.. _logs];
        }
        foreach (var cache in caches)
        {
            await cache.ClearAsync().ConfigureAwait(false);
        }
        foreach (var log in logs)
        {
            await log.DisposeAsync().ConfigureAwait(false);
        }
    }
}
