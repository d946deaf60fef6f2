using System.Reflection;
using McMaster.NETCore.Plugins;

namespace DevServe.Hosting;

/// <summary>
/// A servlet from a class library: a <c>.dll</c> reloaded whenever it is rebuilt, or a <c>.csproj</c> built, watched
/// and rebuilt on every save. The library exposes a public static <c>Start(Request)</c> returning
/// <see cref="Response"/> or <c>Task&lt;Response&gt;</c>, exactly like a script.
/// </summary>
/// <remarks>
/// Each build loads through McMaster.NETCore.Plugins into its own unloadable context, read into memory (no file stays
/// locked, an in-place copy cannot corrupt the running version), with DevServe's types shared with the host. Reloads
/// are ours, not the library's (its failures are silent, docs/design/hosting.md §3): a bad image or a missing
/// <c>Start</c> gets the compile error page, and the next build is tried again.
/// </remarks>
public sealed class PluginServlet : IReloadingServlet
{
    // A build writes the dll, its pdb and its deps in turn: wait for quiet before loading.
    private readonly Debouncer _changes = new(TimeSpan.FromMilliseconds(100));
    private static readonly Type[] s_shared = [typeof(Request), typeof(Response), typeof(Dispatcher), typeof(Web)];
    private readonly string _path;
    private readonly ProjectBuild? _project;
    private readonly ServletVersions _versions;
    private readonly CancellationTokenSource _stop = new();
    private int _disposed;
    private readonly FileSystemWatcher _watcher;
    private readonly Task _first;
    private readonly Task _loop;
    private string? _assembly;

    /// <summary>Loads (or builds, then loads) <paramref name="path"/> and follows its changes.</summary>
    /// <param name="path">A class library (<c>.dll</c>) or its project (<c>.csproj</c>).</param>
    /// <param name="stateless">Serve statelessly: k-urls carry their continuations and outlive reloads.</param>
    public PluginServlet(string path, bool stateless = false)
    {
        _path = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(_path)!;
        _versions = new ServletVersions(stateless, directory);
        if (_path.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase))
        {
            _project = new ProjectBuild(_path);
            // Sources anywhere under the project, but not what the build itself writes.
            _watcher = new FileSystemWatcher(directory) { IncludeSubdirectories = true };
        }
        else
        {
            _assembly = _path;
            _watcher = new FileSystemWatcher(directory, "*.dll") { IncludeSubdirectories = false };
        }
        _watcher.NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size;
        _watcher.Changed += OnChange;
        _watcher.Created += OnChange;
        _watcher.Renamed += OnChange;
        _watcher.Deleted += OnChange;
        _watcher.EnableRaisingEvents = true;
        _first = ReloadAsync();
        _loop = WatchLoopAsync();
    }

    /// <summary>The library being served (for tests that watch load contexts).</summary>
    internal Assembly? CurrentAssembly { get; private set; }

    /// <inheritdoc/>
    public int VersionNumber => _versions.Number;

    /// <inheritdoc/>
    public Task<int> NextSwap => _versions.NextSwap;

    /// <inheritdoc/>
    public ValueTask<Response?> Dispatch(Request request) => _versions.Dispatch(request, _first);

    private void OnChange(object sender, FileSystemEventArgs e)
    {
        var relevant = _project is null
            ? string.Equals(e.FullPath, _path, StringComparison.Ordinal) || (e is RenamedEventArgs r && r.OldFullPath == _path)
            : _project.IsSource(e.FullPath);
        if (relevant)
        {
            _changes.Signal();
        }
    }

    private async Task WatchLoopAsync()
    {
        try
        {
            await _first.ConfigureAwait(false);
            await _changes.RunAsync(ReloadAsync, _stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task ReloadAsync()
    {
        if (_project is not null)
        {
            var build = await _project.BuildAsync(_stop.Token).ConfigureAwait(false);
            if (build.Errors.Count > 0)
            {
                CurrentAssembly = null;
                _versions.Swap(null, () => CompileErrorPage.For(build.Errors, "The servlet project does not build", "Fix it and save"), null);
                return;
            }
            _assembly = build.Assembly;
        }
        Load(_assembly!);
    }

    private void Load(string assembly)
    {
        PluginLoader? loader = null;
        try
        {
            if (!File.Exists(assembly))
            {
                throw new FileNotFoundException("The servlet library is missing (being rebuilt?).", assembly);
            }
            // Owned by the version it serves (Swap gets loader.Dispose) or disposed below: the analyzer cannot follow the handover.
#pragma warning disable CA2000
            loader = PluginLoader.CreateFromAssemblyFile(assembly, isUnloadable: true, sharedTypes: s_shared,
                configure: c => c.LoadInMemory = true);
#pragma warning restore CA2000
            var loaded = loader.LoadDefaultAssembly();
            var start = FindStart(loaded);
            // The loader must stay reachable while its version serves (docs/design/hosting.md §3, pitfall 1): the swap holds it.
            CurrentAssembly = loaded;
            _versions.Swap(start, null, loader.Dispose);
        }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException or FileNotFoundException or PluginLoadException
            or ReflectionTypeLoadException or TypeLoadException or InvalidOperationException or IOException)
        {
            loader?.Dispose();
            CurrentAssembly = null;
            var error = new ScriptError(assembly, 0, 0, e is PluginLoadException ? "DEVSERVE003" : e.GetType().Name, e.Message);
            _versions.Swap(null, () => CompileErrorPage.For([error], "The servlet library does not load", "Rebuild it"), null);
        }
    }

    private sealed class PluginLoadException(string message) : Exception(message);

    /// <summary>The one public static <c>Start(Request)</c> of the library's public types, as the host calls it.</summary>
    private static Func<Request, Task<Response>> FindStart(Assembly assembly)
    {
        var starts = assembly.GetExportedTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static))
            .Where(m => m.Name == "Start" && m.GetParameters() is [{ ParameterType: var p }] && p == typeof(Request)
                && (m.ReturnType == typeof(Response) || m.ReturnType == typeof(Task<Response>)))
            .ToList();
        return starts switch
        {
            [var m] when m.ReturnType == typeof(Response) => ScriptStart.Of(m.CreateDelegate<Func<Request, Response>>()),
            [var m] => m.CreateDelegate<Func<Request, Task<Response>>>(),
            [] => throw new PluginLoadException($"{assembly.GetName().Name} has no servlet: give one public class a "
                + "public static Response Start(Request request) (or public static async Task<Response> Start)."),
            _ => throw new PluginLoadException($"{assembly.GetName().Name} has {starts.Count} Start methods ("
                + string.Join(", ", starts.Select(m => m.DeclaringType!.FullName)) + "): keep one."),
        };
    }

    /// <summary>Stops watching and unloads the current version.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;   // once, even when two callers race
        }
        _stop.Cancel();
        _watcher.EnableRaisingEvents = false;
        _watcher.Dispose();
        _changes.Complete();
        await _loop.ConfigureAwait(false);
        try
        {
            await _first.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        CurrentAssembly = null;
        _versions.Clear();
    }
}
