
namespace DevServe.Hosting;

/// <summary>
/// A script servlet that follows its file: compiled at start, recompiled off the request path whenever the script
/// (or a file it <c>#load</c>s) is saved, and swapped in atomically. While it does not compile, every request gets
/// the compile error page.
/// </summary>
/// <remarks>Versions are swapped as <see cref="ServletVersions"/> says.</remarks>
public sealed class ScriptServlet : IReloadingServlet
{
    private readonly Debouncer _changes = new(TimeSpan.FromMilliseconds(20));
    private readonly string _path;
    private readonly bool _useCache;
    private readonly ServletVersions _versions;
    private readonly CancellationTokenSource _stop = new();
    private int _disposed;
    private readonly Task _first;
    private readonly Task _loop;
    private readonly List<FileSystemWatcher> _watchers = [];
    private volatile CompiledScript? _script;

    /// <summary>Starts compiling <paramref name="path"/> (requests wait for the first compile) and watching it.</summary>
    /// <param name="path">The script.</param>
    /// <param name="useCache">Whether to use the on-disk compiled-script cache.</param>
    /// <param name="stateless">Serve the script statelessly: its k-urls carry their continuations and outlive reloads.</param>
    public ScriptServlet(string path, bool useCache = true, bool stateless = false)
    {
        _useCache = useCache;
        _path = Path.GetFullPath(path);
        _versions = new ServletVersions(stateless, Path.GetDirectoryName(_path)!);
        _first = CompileAndSwapAsync();
        _loop = WatchLoopAsync();
    }

    /// <summary>The compile being served (for tests that watch load contexts).</summary>
    internal CompiledScript? Current => _script;

    /// <inheritdoc/>
    public int VersionNumber => _versions.Number;

    /// <inheritdoc/>
    public Task<int> NextSwap => _versions.NextSwap;

    /// <summary>Answers every request with the current version: the servlet, or the compile error page.</summary>
    public ValueTask<Response?> Dispatch(Request request) => _versions.Dispatch(request, _first);

    private async Task CompileAndSwapAsync()
    {
        var script = await ScriptCompiler.CompileAsync(_path, _useCache, _stop.Token).ConfigureAwait(false);
        _script = script;
        Watch(script.Sources.Append(_path));
        var context = script.Context;
        _versions.Swap(script.Start, () => CompileErrorPage.For(script), context is null ? null : context.Unload);
    }

    private async Task WatchLoopAsync()
    {
        try
        {
            await _first.ConfigureAwait(false);
            await _changes.RunAsync(CompileAndSwapAsync, _stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private void Watch(IEnumerable<string> files)
    {
        foreach (var directory in files.Select(f => Path.GetDirectoryName(Path.GetFullPath(f))!).Distinct())
        {
            lock (_watchers)
            {
                if (_stop.IsCancellationRequested || _watchers.Any(w => w.Path == directory))
                {
                    continue;
                }
                var watcher = new FileSystemWatcher(directory) { IncludeSubdirectories = false, NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size };
                watcher.Changed += OnChange;
                watcher.Created += OnChange;
                watcher.Renamed += OnChange;
                watcher.EnableRaisingEvents = true;
                _watchers.Add(watcher);
            }
        }
    }

    private void OnChange(object sender, FileSystemEventArgs e)
    {
        var sources = _script?.Sources ?? [_path];
        if (sources.Contains(e.FullPath) || e.FullPath == _path)
        {
            _changes.Signal();
        }
    }

    /// <summary>Stops watching; the current version's load context is unloaded.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;   // once, even when two callers race
        }
        _stop.Cancel();
        lock (_watchers)
        {
            foreach (var watcher in _watchers)
            {
                watcher.EnableRaisingEvents = false;
                watcher.Changed -= OnChange;
                watcher.Created -= OnChange;
                watcher.Renamed -= OnChange;
                watcher.Dispose();
            }
            _watchers.Clear();
        }
        _changes.Complete();
        await _loop.ConfigureAwait(false);
        _versions.Clear();
        _script = null;
    }
}
