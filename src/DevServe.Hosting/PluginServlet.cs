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
    private static readonly Type[] s_shared = [typeof(Request), typeof(Response), typeof(Dispatcher), typeof(Web)];
    private readonly string _path;
    private readonly ProjectBuild? _project;
    private readonly ServletReloader _reloader;
    private string? _assembly;

    /// <summary>Loads (or builds, then loads) <paramref name="path"/> and follows its changes.</summary>
    /// <param name="path">A class library (<c>.dll</c>) or its project (<c>.csproj</c>).</param>
    /// <param name="options">Statelessness and stuffer; <c>null</c> = <see cref="ServletHostOptions.Default"/>.</param>
    public PluginServlet(string path, ServletHostOptions? options = null)
    {
        _path = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(_path)!;
        // A build writes the dll, its pdb and its deps in turn: wait for quiet before loading.
        _reloader = new ServletReloader(new ServletVersions(options ?? ServletHostOptions.Default, directory, Path.GetFileName(_path)), TimeSpan.FromMilliseconds(100), IsRelevant, (_, cancellationToken) => ReloadAsync(cancellationToken));
        if (_path.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase))
        {
            _project = new ProjectBuild(_path);
            // Sources anywhere under the project, but not what the build itself writes.
            _reloader.Watch(directory, recursive: true);
        }
        else
        {
            _assembly = _path;
            _reloader.Watch(directory, "*.dll");
        }
        _reloader.Start();
    }

    /// <summary>The library being served (for tests that watch load contexts).</summary>
    internal Assembly? CurrentAssembly { get; private set; }

    /// <inheritdoc/>
    public int VersionNumber => _reloader.Versions.Number;

    /// <inheritdoc/>
    public Task<int> NextSwap => _reloader.Versions.NextSwap;

    /// <inheritdoc/>
    public ReloadReport? LastReload => _reloader.Versions.LastReload;

    /// <inheritdoc/>
    public ValueTask<Response?> Dispatch(Request request) => _reloader.Dispatch(request);

    private bool IsRelevant(FileSystemEventArgs e) => _project is null
        ? string.Equals(e.FullPath, _path, StringComparison.Ordinal) || (e is RenamedEventArgs r && r.OldFullPath == _path)
        : _project.IsSource(e.FullPath);

    private async Task ReloadAsync(CancellationToken cancellationToken)
    {
        if (_project is not null)
        {
            var building = System.Diagnostics.Stopwatch.GetTimestamp();
            var build = await _project.BuildAsync(cancellationToken).ConfigureAwait(false);
            _reloader.Versions.Compiled(System.Diagnostics.Stopwatch.GetElapsedTime(building));
            if (build.Errors.Count > 0)
            {
                CurrentAssembly = null;
                _reloader.Versions.Swap(null, CompileErrorPage.For(build.Errors, "The servlet project does not build", "Fix it and save"), null);
                return;
            }
            _assembly = build.Assembly;
        }
        else
        {
            _reloader.Versions.Compiled(TimeSpan.Zero);   // nothing to build: a dll is only loaded
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
            _reloader.Versions.Swap(start, null, loader.Dispose);
        }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException or FileNotFoundException or PluginLoadException
            or ReflectionTypeLoadException or TypeLoadException or InvalidOperationException or IOException)
        {
            loader?.Dispose();
            CurrentAssembly = null;
            var error = new ScriptError(assembly, 0, 0, e is PluginLoadException ? "DEVSERVE003" : e.GetType().Name, e.Message);
            _reloader.Versions.Swap(null, CompileErrorPage.For([error], "The servlet library does not load", "Rebuild it"), null);
        }
    }

    private sealed class PluginLoadException(string message) : Exception(message);

    /// <summary>The one public static <c>Start(Request)</c> of the library's public types, as the host calls it.</summary>
    private static Func<Request, Task<Response>> FindStart(Assembly assembly)
    {
        var starts = assembly.GetExportedTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static))
            .Where(m => m.Name == "Start" && ScriptStart.IsStart(m))
            .ToList();
        return starts switch
        {
            [var m] => ScriptStart.Of(m),
            [] => throw new PluginLoadException($"{assembly.GetName().Name} has no servlet: give one public class a "
                + "public static Response Start(Request request) (or public static async Task<Response> Start)."),
            _ => throw new PluginLoadException($"{assembly.GetName().Name} has {starts.Count} Start methods ("
                + string.Join(", ", starts.Select(m => m.DeclaringType!.FullName)) + "): keep one."),
        };
    }

    /// <summary>Stops watching and unloads the current version.</summary>
    public async ValueTask DisposeAsync()
    {
        await _reloader.DisposeAsync().ConfigureAwait(false);
        CurrentAssembly = null;
    }
}
