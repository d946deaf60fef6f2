using System.Threading.Channels;

namespace DevServe.Hosting;

/// <summary>
/// A script servlet that follows its file: compiled at start, recompiled off the request path whenever the script
/// (or a file it <c>#load</c>s) is saved, and swapped in atomically. While it does not compile, every request gets
/// the compile error page.
/// </summary>
/// <remarks>
/// Each version is its own <c>DispatchServlet</c> with its own manager, so a stateful page of an older version gets
/// the expired page saying the servlet was reloaded, and the old load context can unload once its requests end.
/// Stateless pages keep working: their URLs replay the new version.
/// </remarks>
public sealed class ScriptServlet : IAsyncDisposable
{
    private static readonly TimeSpan s_debounce = TimeSpan.FromMilliseconds(20);
    private readonly string _path;
    private readonly bool _useCache;
    private readonly bool _stateless;
    private readonly string _currentDirectory;
    private readonly Channel<bool> _changes = Channel.CreateUnbounded<bool>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _first;
    private readonly Task _loop;
    private readonly List<FileSystemWatcher> _watchers = [];
    private volatile Version? _current;
    private TaskCompletionSource<int> _swapped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed record Version(int Number, CompiledScript Script, Dispatcher? Servlet);

    /// <summary>Starts compiling <paramref name="path"/> (requests wait for the first compile) and watching it.</summary>
    /// <param name="path">The script.</param>
    /// <param name="useCache">Whether to use the on-disk compiled-script cache.</param>
    /// <param name="stateless">Serve the script statelessly: its k-urls carry their continuations and outlive reloads.</param>
    public ScriptServlet(string path, bool useCache = true, bool stateless = false)
    {
        _useCache = useCache;
        _stateless = stateless;
        _path = Path.GetFullPath(path);
        _currentDirectory = Path.GetDirectoryName(_path)!;
        _first = CompileAndSwapAsync();
        _loop = WatchLoopAsync();
    }

    /// <summary>The version being served (1 = the first compile).</summary>
    public int VersionNumber => _current?.Number ?? 0;

    /// <summary>Completes with the version number after the next swap (a recompile that succeeded or failed).</summary>
    public Task<int> NextSwap => _swapped.Task;

    /// <summary>Answers every request with the current version: the servlet, or the compile error page.</summary>
    public ValueTask<Response?> Dispatch(Request request)
    {
        var current = _current;
        if (current is null)
        {
            return WaitForFirstAsync(request);
        }
        return current.Servlet is { } servlet ? servlet(request) : new ValueTask<Response?>(CompileErrorPage.For(current.Script));
    }

    private async ValueTask<Response?> WaitForFirstAsync(Request request)
    {
        await _first.ConfigureAwait(false);
        return await Dispatch(request).ConfigureAwait(false);
    }

    private async Task CompileAndSwapAsync()
    {
        var script = await ScriptCompiler.CompileAsync(_path, _useCache, _stop.Token).ConfigureAwait(false);
        var number = (_current?.Number ?? 0) + 1;
        var manager = new ThresholdLruManager(expirationHandler: number == 1 ? null : request => ExpiredPage.WithMessage(request,
            "This page belongs to an earlier version of the servlet, which has been reloaded since. Please start over."));
        var servlet = script.Start is { } start
            ? Servlets.DispatchServlet(start, stateless: _stateless, manager: _stateless ? null : manager, currentDirectory: _currentDirectory)
            : null;
        var old = _current;
        _current = new Version(number, script, servlet);
        Watch(script.Sources.Append(_path));
        if (old?.Script.Context is { } context)
        {
            ClearReflectionCaches();
            context.Unload();   // cooperative: completes once the old version's requests and flows are gone
        }
        Interlocked.Exchange(ref _swapped, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(number);
    }

    private async Task WatchLoopAsync()
    {
        try
        {
            await _first.ConfigureAwait(false);
            while (await _changes.Reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                // Editors save with several writes (or temp file + rename): wait until they are done.
                do
                {
                    while (_changes.Reader.TryRead(out _))
                    {
                    }
                    await Task.Delay(s_debounce, _stop.Token).ConfigureAwait(false);
                }
                while (_changes.Reader.TryRead(out _));
                await CompileAndSwapAsync().ConfigureAwait(false);
            }
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
        var sources = _current?.Script.Sources ?? [_path];
        if (sources.Contains(e.FullPath) || e.FullPath == _path)
        {
            _changes.Writer.TryWrite(true);
        }
    }

    // System.Text.Json caches metadata per type: a script type serialized once would pin its load context
    // (hosting-notes.md §1.2). Its hot-reload hook clears the caches.
    private static void ClearReflectionCaches()
        => typeof(System.Text.Json.JsonSerializerOptions).Assembly
            .GetType("System.Text.Json.JsonSerializerOptionsUpdateHandler")?
            .GetMethod("ClearCache")?
            .Invoke(null, [null]);

    /// <summary>Stops watching; the current version's load context is unloaded.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
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
        _changes.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        _current?.Script.Context?.Unload();
        _current = null;
    }
}
