
namespace DevServe.Hosting;

/// <summary>
/// A script servlet that follows its file: compiled at start, recompiled off the request path whenever the script
/// (or a file it <c>#load</c>s) is saved, and swapped in atomically. While it does not compile, every request gets
/// the compile error page.
/// </summary>
/// <remarks>Versions are swapped as <see cref="ServletVersions"/> says.</remarks>
public sealed class ScriptServlet : IReloadingServlet
{
    private readonly string _path;
    private readonly ServletHostOptions _options;
    private readonly ServletReloader _reloader;
    private volatile CompiledScript? _script;
    private volatile IReadOnlyList<string> _staticRoots = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Dispatcher> _files = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task _warmUp = Task.CompletedTask;
    private long _lastSwap;
    private int _warmUpCompiles;
    private CancellationTokenSource? _warming;   // cancelled by a save: the warm-up's compile gives way to the save's

    /// <summary>Starts compiling <paramref name="path"/> (requests wait for the first compile) and watching it.</summary>
    /// <param name="path">The script.</param>
    /// <param name="options">The caches, statelessness and stuffer; <c>null</c> = <see cref="ServletHostOptions.Default"/>.</param>
    public ScriptServlet(string path, ServletHostOptions? options = null)
    {
        _options = options ?? ServletHostOptions.Default;
        _path = Path.GetFullPath(path);
        var versions = new ServletVersions(_options, Path.GetDirectoryName(_path)!, Path.GetFileName(_path));
        // Eager: a save's compile starts at its first event and overlaps the wait for quiet, which only has to cover
        // one save's events (~0.5 ms apart) and a save-all's files: a version read mid-save is dropped anyway.
        _reloader = new ServletReloader(versions, TimeSpan.FromMilliseconds(5), IsSaveOfSource, CompileAndSwapAsync, eager: true);
        _reloader.Start();
    }

    /// <summary>The compile being served (for tests that watch load contexts).</summary>
    internal CompiledScript? Current => _script;

    /// <inheritdoc/>
    public int VersionNumber => _reloader.Versions.Number;

    /// <inheritdoc/>
    public Task<int> NextSwap => _reloader.Versions.NextSwap;

    /// <inheritdoc/>
    public ReloadReport? LastReload => _reloader.Versions.LastReload;

    /// <summary>The folders the last version that loaded serves files from (<c>StaticFilesPath</c>); a broken save keeps them.</summary>
    public IReadOnlyList<string> StaticRoots => _staticRoots;

    /// <summary>
    /// Serves the files under <see cref="StaticRoots"/> (to put before <see cref="Dispatch"/>): what the script said
    /// with <c>StaticFilesPath</c>, as <see cref="Dispatchers.Files"/> serves a folder; other requests pass on.
    /// </summary>
    public ValueTask<Response?> StaticFiles(Request request)
    {
        return _staticRoots.Count == 0 ? Dispatchers.NextDispatcher : StaticFilesAsync(request);
    }

    private async ValueTask<Response?> StaticFilesAsync(Request request)
    {
        foreach (var root in _staticRoots)
        {
            if (await _files.GetOrAdd(root, static r => Dispatchers.Files(r))(request).ConfigureAwait(false) is { } response)
            {
                return response;
            }
        }
        return null;
    }

    /// <summary>Answers every request with the current version: the servlet, or the compile error page.</summary>
    public ValueTask<Response?> Dispatch(Request request) => _reloader.Dispatch(request);

    private async Task CompileAndSwapAsync(Func<Task<bool>> settled, CancellationToken cancellationToken)
    {
        var compiling = System.Diagnostics.Stopwatch.GetTimestamp();
        // Asked before a compiled version loads (its top level runs), and again before any version, or its errors, is swapped in.
        var script = await ScriptCompiler.CompileForSwapAsync(_path, _options, settled, cancellationToken).ConfigureAwait(false);
        try
        {
            var compiled = System.Diagnostics.Stopwatch.GetElapsedTime(compiling);
            if (script.IsDropped || !await settled().ConfigureAwait(false))
            {
                script.Context?.Unload();   // compiled from a file still being written: the next load reads it again
                return;
            }
            _reloader.Versions.Compiled(compiled);
            _script = script;
            if (script.Start is not null)
            {
                _staticRoots = script.StaticRoots;
            }
            foreach (var warning in script.Warnings)
            {
                await Console.Error.WriteLineAsync($"{warning.Path}({warning.Line},{warning.Column}): warning {warning.Id}: {warning.Message}").ConfigureAwait(false);
            }
            foreach (var project in script.ProjectDirectories)
            {
                _reloader.Watch(project, recursive: true);   // one watcher for a project's whole tree (a watcher is an inotify instance)
            }
            foreach (var directory in script.Sources.Append(_path).Select(f => Path.GetDirectoryName(Path.GetFullPath(f))!).Distinct())
            {
                _reloader.Watch(directory);
            }
            var context = script.Context;
            if (Interlocked.Exchange(ref _lastSwap, System.Diagnostics.Stopwatch.GetTimestamp()) == 0)
            {
                Volatile.Write(ref _warmUp, WarmUpAsync(_stop.Token));   // before the swap: what a request then sees is the warm-up
            }
            _reloader.Versions.Swap(script.Start, CompileErrorPage.For(script), context is null ? null : context.Unload);
        }
        finally
        {
            await script.Storing.ConfigureAwait(false);   // after the swap (the entry is for the next start), before the next reload
        }
    }

    /// <summary>
    /// The warm-up compiles this process has left (see <see cref="WarmedUp"/>): process-wide, because tiering is; 30 is
    /// about what it takes to tier Roslyn's hot paths up (docs/design/hosting.md §5.2).
    /// </summary>
    internal static int WarmUpsLeft
    {
        get => Volatile.Read(ref s_warmUpsLeft);
        set => Volatile.Write(ref s_warmUpsLeft, value);
    }

    private static int s_warmUpsLeft = 30;

    /// <summary>
    /// The warm-up after the first version: it ends at the first save (after a start from the cache or a compile server,
    /// the first after Roslyn's first compile here), once <see cref="WarmUpsLeft"/> is spent, when the served version
    /// does not load or a warm-up compile fails, or when the servlet stops.
    /// </summary>
    internal Task WarmedUp => Volatile.Read(ref _warmUp);

    /// <summary>How many warm-up compiles this servlet made that compiled.</summary>
    internal int WarmUpCompiles => Volatile.Read(ref _warmUpCompiles);

    // Roslyn's code runs at its first tier (ReadyToRun, or the JIT's quickest) until a method has been called 30 times,
    // so the first saves after a start compiled in 15-60 ms against ~10 ms warm; the first save also paid the process's
    // first collection (~25 ms of pause: everything the start allocated). So after the first version the file is
    // compiled as a save would compile it, with nothing loaded and none of its code run, until the next save (which
    // cancels the compile in flight: beside the save's it only slows it down) or WarmUpsLeft is spent; then, once idle,
    // the heap is collected once.
    private async Task WarmUpAsync(CancellationToken stop)
    {
        try
        {
            var compiled = false;
            using var warming = CancellationTokenSource.CreateLinkedTokenSource(stop);
            while (!ScriptCompiler.IsWarm)
            {
                // A start from the cache or a compile server: Roslyn is not loaded here. Its first compile (~1 s of CPU)
                // waits for a version that loads and a quiet second, so as not to compete with the first page. With a
                // compile server no save cancels it: saves go to the server until it has ended (cancelled, it would
                // leave them there). Without one, a save compiles here itself, and this compile would only slow it.
                await IdleAsync(TimeSpan.FromSeconds(1), stop).ConfigureAwait(false);
                var next = _reloader.Versions.NextSwap;   // taken first: _script is set before a swap
                if (_script is not { Start: not null })
                {
                    await next.WaitAsync(stop).ConfigureAwait(false);
                    continue;
                }
                if (ScriptCompiler.IsWarm)
                {
                    break;   // a save compiled here meanwhile
                }
                if (_options.CompileServer is null)
                {
                    Volatile.Write(ref _warming, warming);
                }
                if (!await WarmUpOnceAsync(_options.CompileServer is null ? warming.Token : stop).ConfigureAwait(false))
                {
                    return;
                }
                compiled = true;
            }
            Volatile.Write(ref _warming, warming);
            while (!warming.IsCancellationRequested && await WarmUpOnceAsync(warming.Token).ConfigureAwait(false))
            {
                compiled = true;
            }
            Volatile.Write(ref _warming, null);
            if (compiled)
            {
                await IdleAsync(TimeSpan.FromMilliseconds(200), stop).ConfigureAwait(false);
                GC.Collect();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    // One warm-up compile, if the version served loaded (a broken one may be a failed restore, which a compile would
    // try again over the network, or a project that did not build) and the process has one left: false when none was
    // made, or it did not compile (a save cancelled it, the file no longer compiles).
    private async Task<bool> WarmUpOnceAsync(CancellationToken cancellationToken)
    {
        if (_script is not { Start: not null, ProjectDirectories.Count: 0 }   // a warm-up never builds a project
            || Interlocked.Decrement(ref s_warmUpsLeft) < 0)
        {
            return false;
        }
        try
        {
            if (!await ScriptCompiler.WarmUpAsync(_path, _options, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }
        catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
        {
            return false;
        }
        Interlocked.Increment(ref _warmUpCompiles);
        return true;
    }

    // Until neither a file event nor a new version has come for `idle`.
    private async Task IdleAsync(TimeSpan idle, CancellationToken stop)
    {
        while (true)
        {
            var since = TimeSpan.FromTicks(Math.Min(Since(_reloader.LastSignal).Ticks, Since(Volatile.Read(ref _lastSwap)).Ticks));
            if (since >= idle)
            {
                return;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling((idle - since).TotalMilliseconds)), stop).ConfigureAwait(false);   // whole ms: never 0
        }
    }

    private static TimeSpan Since(long timestamp)
        => timestamp == 0 ? TimeSpan.MaxValue : System.Diagnostics.Stopwatch.GetElapsedTime(timestamp);

    private bool IsSaveOfSource(FileSystemEventArgs e)
    {
        if (!IsSource(e))
        {
            return false;
        }
        try
        {
            Volatile.Read(ref _warming)?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // the warm-up ended meanwhile
        }
        return true;
    }

    // The script or a file it #loads (the script itself before its first compile). A deletion is not a new version:
    // the last one keeps serving until a file is there again.
    // A referenced project's source added, saved or deleted is a new version too, and so is a folder made in it (the
    // files written into a folder just made can come before the watch on it).
    private bool IsSource(FileSystemEventArgs e)
        => (e.ChangeType != WatcherChangeTypes.Deleted && (e.FullPath == _path || (_script?.Sources.Contains(e.FullPath) ?? false)))
            || (_script?.ProjectDirectories.Any(d => ProjectBuild.IsSourceFile(d, e.FullPath)
                || (e.ChangeType == WatcherChangeTypes.Created && ProjectBuild.IsSourceFolder(d, e.FullPath))) ?? false);

    /// <summary>Stops watching; the current version's load context is unloaded.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _reloader.DisposeAsync().ConfigureAwait(false);   // no version, and so no warm-up, starts after this
        await Volatile.Read(ref _warmUp).ConfigureAwait(false);
        _script = null;
    }
}
