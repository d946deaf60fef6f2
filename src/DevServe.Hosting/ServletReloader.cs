namespace DevServe.Hosting;

/// <summary>
/// The lifecycle every reloading servlet shares: the first load (requests wait for it), file watchers, a debouncer
/// that turns a burst of saves into one reload, the reload loop, the versions being served, and one dispose that
/// stops all of it and unloads the last version.
/// </summary>
/// <remarks>
/// The servlet supplies what differs: which file events matter and how a version is made (compile a script, build
/// and load a library). Its load method swaps <see cref="Versions"/> itself, a servlet or an error page.
/// </remarks>
internal sealed class ServletReloader : IAsyncDisposable
{
    private readonly Debouncer _changes;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly Func<FileSystemEventArgs, bool> _isRelevant;
    private readonly Func<Func<Task<bool>>, CancellationToken, Task> _load;
    private readonly bool _eager;
    private static readonly Func<Task<bool>> s_settled = () => Task.FromResult(true);
    private Task _first = Task.CompletedTask;
    private Task _loop = Task.CompletedTask;
    private int _disposed;

    /// <param name="versions">The versions this reloader swaps (through <paramref name="load"/>) and clears.</param>
    /// <param name="quiet">How long files must be quiet after the last event before a reload starts (or, eagerly, is swapped in).</param>
    /// <param name="isRelevant">Whether a file event concerns the servlet.</param>
    /// <param name="load">
    /// Makes and swaps in a version; cancelled when the servlet is disposed. Before it swaps, it awaits the function it
    /// is given, and drops the version if that says false (files changed while it was made).
    /// </param>
    /// <param name="eager">
    /// Start making a version at a burst's first event, while waiting for quiet, rather than after (a script's
    /// compile; see <see cref="Debouncer.RunEagerlyAsync"/>). Otherwise the function <paramref name="load"/> gets
    /// always says true.
    /// </param>
    public ServletReloader(ServletVersions versions, TimeSpan quiet, Func<FileSystemEventArgs, bool> isRelevant,
        Func<Func<Task<bool>>, CancellationToken, Task> load, bool eager = false)
    {
        _eager = eager;
        Versions = versions;
        _changes = new Debouncer(quiet);
        _isRelevant = isRelevant;
        _load = load;
    }

    /// <summary>When the last relevant file event came (<see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>); 0 before the first.</summary>
    public long LastSignal => _changes.LastSignal;

    /// <summary>The versions being served.</summary>
    public ServletVersions Versions { get; }

    /// <summary>Starts the first load and the reload loop (once the servlet's own fields are set).</summary>
    public void Start()
    {
        _first = LoadAsync(s_settled);
        _loop = ReloadLoopAsync();
    }

    // A load that throws (a file system that refuses, a bug) answers with an error page; it never ends the reloading.
    private async Task LoadAsync(Func<Task<bool>> settled)
    {
        try
        {
            Versions.ReloadStarted(_changes.LastSignal is var saved && saved != 0 ? saved : System.Diagnostics.Stopwatch.GetTimestamp());
            await _load(settled, _stop.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // whatever a load throws becomes the page every request gets, as a compile error does
        catch (Exception e) when (!_stop.IsCancellationRequested)
#pragma warning restore CA1031
        {
            if (!await settled().ConfigureAwait(false))
            {
                return;   // a file read mid-save: the next load reads it again
            }
            var error = new ScriptError(e.GetType().Name, 0, 0, "DEVSERVE000", e.Message);
            Versions.Swap(null, CompileErrorPage.For([error], "The servlet could not be loaded", "Fix what this says and save"), null);
        }
    }

    /// <summary>The current version's answer; before the first version, once it is loaded.</summary>
    public ValueTask<Response?> Dispatch(Request request) => Versions.Dispatch(request, _first);

    /// <summary>Watches <paramref name="directory"/> (once, however often asked) for events that <c>isRelevant</c> keeps.</summary>
    /// <remarks>
    /// A directory that is not there (an include's misspelt folder) is not watched: the next save of the servlet
    /// compiles again. Each watcher is an inotify instance (128 per user by default): watch folders, not files.
    /// </remarks>
    public void Watch(string directory, string filter = "*", bool recursive = false)
    {
        lock (_watchers)
        {
            if (_stop.IsCancellationRequested || _watchers.Any(w => w.Path == directory || (w.IncludeSubdirectories && IsUnder(directory, w.Path)))
                || !Directory.Exists(directory))
            {
                return;
            }
            var watcher = new FileSystemWatcher(directory, filter)
            {
                IncludeSubdirectories = recursive,
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size,
            };
            watcher.Changed += OnChange;
            watcher.Created += OnChange;
            watcher.Renamed += OnChange;
            watcher.Deleted += OnChange;
            try
            {
                watcher.EnableRaisingEvents = true;
            }
            catch (IOException)
            {
                watcher.Dispose();   // out of inotify instances: this folder goes unwatched rather than the servlet failing
                return;
            }
            _watchers.Add(watcher);
        }
    }

    private static bool IsUnder(string path, string directory)
        => path.StartsWith(Path.TrimEndingDirectorySeparator(directory) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private void OnChange(object sender, FileSystemEventArgs e)
    {
        if (_isRelevant(e))
        {
            _changes.Signal();
        }
    }

    private async Task ReloadLoopAsync()
    {
        try
        {
            await _first.ConfigureAwait(false);
            await (_eager ? _changes.RunEagerlyAsync(LoadAsync, _stop.Token) : _changes.RunAsync(() => LoadAsync(s_settled), _stop.Token))
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Stops watching and reloading, then unloads the current version; once, even when two callers race.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        lock (_watchers)
        {
            foreach (var watcher in _watchers)
            {
                watcher.EnableRaisingEvents = false;
                watcher.Changed -= OnChange;
                watcher.Created -= OnChange;
                watcher.Renamed -= OnChange;
                watcher.Deleted -= OnChange;
                watcher.Dispose();
            }
            _watchers.Clear();
        }
        _changes.Complete();
        await _loop.ConfigureAwait(false);
        try
        {
            await _first.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        Versions.Clear();
        _stop.Dispose();
    }
}
