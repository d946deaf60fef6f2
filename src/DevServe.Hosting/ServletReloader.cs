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
    private readonly Func<CancellationToken, Task> _load;
    private Task _first = Task.CompletedTask;
    private Task _loop = Task.CompletedTask;
    private int _disposed;

    /// <param name="versions">The versions this reloader swaps (through <paramref name="load"/>) and clears.</param>
    /// <param name="quiet">How long files must be quiet after the last event before a reload.</param>
    /// <param name="isRelevant">Whether a file event concerns the servlet.</param>
    /// <param name="load">Makes and swaps in a version; cancelled when the servlet is disposed.</param>
    public ServletReloader(ServletVersions versions, TimeSpan quiet, Func<FileSystemEventArgs, bool> isRelevant, Func<CancellationToken, Task> load)
    {
        Versions = versions;
        _changes = new Debouncer(quiet);
        _isRelevant = isRelevant;
        _load = load;
    }

    /// <summary>The versions being served.</summary>
    public ServletVersions Versions { get; }

    /// <summary>Starts the first load and the reload loop (once the servlet's own fields are set).</summary>
    public void Start()
    {
        _first = _load(_stop.Token);
        _loop = ReloadLoopAsync();
    }

    /// <summary>The current version's answer; before the first version, once it is loaded.</summary>
    public ValueTask<Response?> Dispatch(Request request) => Versions.Dispatch(request, _first);

    /// <summary>Watches <paramref name="directory"/> (once, however often asked) for events that <c>isRelevant</c> keeps.</summary>
    public void Watch(string directory, string filter = "*", bool recursive = false)
    {
        lock (_watchers)
        {
            if (_stop.IsCancellationRequested || _watchers.Any(w => w.Path == directory))
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
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
        }
    }

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
            await _changes.RunAsync(() => _load(_stop.Token), _stop.Token).ConfigureAwait(false);
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
