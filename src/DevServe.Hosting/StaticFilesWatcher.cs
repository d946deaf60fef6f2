using System.Collections.Concurrent;

namespace DevServe.Hosting;

/// <summary>
/// Watches the folders of static files that <c>devserve run</c> serves (<c>htdocs/</c>) and says which URL paths
/// changed, a burst at a time: what live reload needs to swap a stylesheet or reload a tab when a CSS, image or
/// script file is saved.
/// </summary>
internal sealed class StaticFilesWatcher : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, FileSystemWatcher?> _watchers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _changed = new(StringComparer.Ordinal);
    private readonly Debouncer _debouncer = new(TimeSpan.FromMilliseconds(50));
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private bool _disposed;
    private int _bursts;
    private TaskCompletionSource<IReadOnlyList<string>> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Watches each of <paramref name="roots"/> that exists (a missing one is skipped: nothing to serve there).</summary>
    public StaticFilesWatcher(IEnumerable<string> roots)
    {
        foreach (var root in roots)
        {
            Watch(root);
        }
        _loop = _debouncer.RunAsync(Publish, _stop.Token);
    }

    /// <summary>Watches <paramref name="root"/> too (once; a folder that does not exist is not watched).</summary>
    /// <param name="root">A folder of static files.</param>
    public void Watch(string root)
    {
        root = Path.GetFullPath(root);
        if (_watchers.ContainsKey(root))
        {
            return;
        }
        lock (_watchers)
        {
            if (_disposed || _watchers.ContainsKey(root))
            {
                return;
            }
            FileSystemWatcher? watcher = null;
            if (Directory.Exists(root))
            {
                watcher = new FileSystemWatcher(root)
                {
                    IncludeSubdirectories = true,
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.DirectoryName,
                };
                watcher.Changed += (_, e) => Note(root, e.FullPath);
                watcher.Created += (_, e) => Note(root, e.FullPath);
                watcher.Deleted += (_, e) => Note(root, e.FullPath);
                watcher.Renamed += (_, e) => Note(root, e.FullPath);   // an editor's save: a temp file renamed over the file
                watcher.Error += (_, _) => Note(root, Path.Combine(root, "*"));   // events were lost: the tabs reload
                try
                {
                    watcher.EnableRaisingEvents = true;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Out of inotify watches, say: serving goes on without reloading for these files.
                    Console.Error.WriteLine($"DevServe: warning: cannot watch {root} ({e.Message}): saving a file there will not reload the tabs.");
                    watcher.Dispose();
                    watcher = null;
                }
            }
            _watchers[root] = watcher;
        }
    }

    /// <summary>Completes with the URL paths (<c>/css/site.css</c>) changed in the next burst of saves.</summary>
    public Task<IReadOnlyList<string>> NextChange => Volatile.Read(ref _next).Task;

    /// <summary>How many bursts have been reported: a listener that missed one (it was reconnecting) can tell.</summary>
    public int Bursts => Volatile.Read(ref _bursts);

    private void Note(string root, string fullPath)
    {
        var relative = Path.GetRelativePath(root, fullPath);
        // Editors' temp and backup files, and hidden files (never served), are not changes to the site.
        if (relative.Split(Path.DirectorySeparatorChar).Any(s => s.StartsWith('.')) || relative.EndsWith('~')
            || relative.EndsWith(".swp", StringComparison.Ordinal) || relative.EndsWith(".tmp", StringComparison.Ordinal))
        {
            return;
        }
        _changed[string.Concat("/", relative.Replace(Path.DirectorySeparatorChar, '/'))] = true;
        _debouncer.Signal();
    }

    private Task Publish()
    {
        var paths = _changed.Keys.Order(StringComparer.Ordinal).ToArray();
        foreach (var path in paths)
        {
            _changed.TryRemove(path, out _);
        }
        if (paths.Length > 0)
        {
            Interlocked.Increment(ref _bursts);
            Interlocked.Exchange(ref _next, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(paths);
        }
        return Task.CompletedTask;
    }

    /// <summary>Stops watching.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_watchers)
        {
            _disposed = true;
            foreach (var watcher in _watchers.Values)
            {
                watcher?.Dispose();
            }
        }
        _debouncer.Complete();
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // stopped while a burst was settling: nobody is listening any more
        }
        _stop.Dispose();
    }
}
