
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
        _reloader = new ServletReloader(versions, TimeSpan.FromMilliseconds(5), IsSource, CompileAndSwapAsync, eager: true);
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
            _reloader.Versions.Swap(script.Start, CompileErrorPage.For(script), context is null ? null : context.Unload);
        }
        finally
        {
            await script.Storing.ConfigureAwait(false);   // after the swap (the entry is for the next start), before the next reload
        }
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
        await _reloader.DisposeAsync().ConfigureAwait(false);
        _script = null;
    }
}
