using System.Collections.Concurrent;

namespace DevServe.Hosting;

/// <summary>
/// Watches the folders of static files that <c>devserve run</c> serves (<c>htdocs/</c>) and says which URL paths
/// changed, a burst at a time: what live reload needs to swap a stylesheet or reload a tab when a CSS, image or
/// script file is saved.
/// </summary>
internal sealed class StaticFilesWatcher : IAsyncDisposable
{
    private readonly List<(string Root, FileSystemWatcher Watcher)> _watchers = [];
    private readonly ConcurrentDictionary<string, bool> _changed = new(StringComparer.Ordinal);
    private readonly Debouncer _debouncer = new(TimeSpan.FromMilliseconds(50));
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private TaskCompletionSource<IReadOnlyList<string>> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Watches each of <paramref name="roots"/> that exists (a missing one is skipped: nothing to serve there).</summary>
    public StaticFilesWatcher(IEnumerable<string> roots)
    {
        foreach (var root in roots.Select(Path.GetFullPath).Where(Directory.Exists))
        {
            var watcher = new FileSystemWatcher(root)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.DirectoryName,
            };
            watcher.Changed += (_, e) => Note(root, e.FullPath);
            watcher.Created += (_, e) => Note(root, e.FullPath);
            watcher.Deleted += (_, e) => Note(root, e.FullPath);
            watcher.Renamed += (_, e) => Note(root, e.FullPath);   // an editor's save: a temp file renamed over the file
            watcher.EnableRaisingEvents = true;
            _watchers.Add((root, watcher));
        }
        _loop = _watchers.Count == 0 ? Task.CompletedTask : _debouncer.RunAsync(Publish, _stop.Token);
    }

    /// <summary>Completes with the URL paths (<c>/css/site.css</c>) changed in the next burst of saves.</summary>
    public Task<IReadOnlyList<string>> NextChange => Volatile.Read(ref _next).Task;

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
            Interlocked.Exchange(ref _next, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(paths);
        }
        return Task.CompletedTask;
    }

    /// <summary>Stops watching.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var (_, watcher) in _watchers)
        {
            watcher.Dispose();
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
