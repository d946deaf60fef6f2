using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using Microsoft.CodeAnalysis.Scripting;
using Microsoft.CodeAnalysis.Text;

namespace DevServe.Hosting;

/// <summary>
/// Compiles a <c>.csx</c> servlet into a collectible load context and finds its <c>Start</c>; a <c>.cs</c> file-based
/// app goes to <see cref="FileAppCompiler"/>. Both read the file's <c>#:</c> directives and share the on-disk cache.
/// </summary>
/// <remarks>
/// The direct Roslyn route of docs/design/hosting.md §1.3: one script compilation with references built once and a
/// caching resolver (6–8 ms warm), emitted with its PDB so stack traces name script lines, loaded into a
/// collectible <see cref="AssemblyLoadContext"/> whose <c>Load</c> falls back to the host, so <see cref="Request"/>
/// and <see cref="Response"/> are the host's types. Plain <c>CSharpScript</c> leaks a load context per run.
/// </remarks>
internal sealed class ScriptCompiler
{
    // Appended after the user's code: hands Start to the host. A script without Start fails here, which is reported plainly.
    private const string Epilogue = "\n#line hidden\nreturn DevServe.Hosting.ScriptStart.Of(Start);\n";
    private static readonly string[] s_usings =
        ["System", "System.IO", "System.Linq", "System.Collections.Generic", "System.Text", "System.Threading.Tasks",
         "System.Xml.Linq", "DevServe", "DevServe.Web", "DevServe.Xexpr", "DevServe.Formlets",
         "DevServe.Hosting.Insta"];
    private static readonly Lazy<PortableExecutableReference[]> s_references = new(BuildReferences);
    private static readonly CSharpParseOptions s_parse = new(LanguageVersion.Latest, kind: SourceCodeKind.Script);
    private static int s_version;
    private static readonly string s_storeDirectory = Path.GetTempPath();

    /// <summary>
    /// The start of the <see cref="LastCompilations"/> keys of a compile server's compiles, one per kind of file and
    /// optimization: each starts from the last of its kind, whatever its file.
    /// </summary>
    internal const string StoreKey = "(compile server)";

    // Apart from this class's Roslyn-typed statics: a cached start reads this, and reading a field of this class would
    // run its static constructor, which loads Roslyn (~20 ms of the start's CPU) before the first page, for nothing.
    private static class Warmth
    {
        public static int CompiledHere;   // 1 once Roslyn has compiled in this process: it is warm, no server is asked
    }

    private enum CompileMode
    {
        Run,     // load it and run its top level: a version to serve (from the cache when it has it)
        Check,   // compile only: the errors, or none
        Store,   // compile into the cache, loading and running nothing
    }
    // One set of options per script directory, so its caching resolver lives across recompiles (that is its point).
    private static readonly BoundedCache<string, CSharpCompilationOptions> s_options = new(capacity: 256);

    /// <summary>What every script is compiled against: the framework assemblies scripts commonly need, DevServe, and this assembly last.</summary>
    internal static IReadOnlyList<PortableExecutableReference> References => s_references.Value;

    /// <summary>Whether Roslyn has compiled in this process yet (not after a start from the cache or a compile server).</summary>
    internal static bool IsWarm => Volatile.Read(ref Warmth.CompiledHere) == 1;

    /// <summary>The namespaces (and the static class <c>DevServe.Web</c>) every script imports.</summary>
    internal static IReadOnlyList<string> Usings => s_usings;

    /// <summary>
    /// Compiles <paramref name="path"/> (or loads it from the on-disk cache); the result holds the servlet or the errors.
    /// Returns once a new compile's cache entry is written.
    /// </summary>
    /// <param name="path">The script.</param>
    /// <param name="options">Where the caches are and whether the compiled-script cache is used; <c>null</c> = the defaults.</param>
    /// <param name="settled">
    /// Asked before the compiled script is loaded and its top level runs: false drops it (<see cref="CompiledScript.Dropped"/>),
    /// because its files changed meanwhile; <c>null</c> = always load.
    /// </param>
    /// <param name="cancellationToken">Cancels reading and compiling.</param>
    [MethodImpl(MethodImplOptions.NoInlining)]   // no stack slot of this frame may keep a load context alive
    public static async Task<CompiledScript> CompileAsync(string path, ServletHostOptions? options = null, Func<Task<bool>>? settled = null,
        CancellationToken cancellationToken = default)
    {
        var script = await CompileAsync(path, options, CompileMode.Run, settled, cancellationToken).ConfigureAwait(false);
        await script.Storing.ConfigureAwait(false);
        return script;
    }

    /// <summary>
    /// <see cref="CompileAsync(string, ServletHostOptions?, Func{Task{bool}}?, CancellationToken)"/> for a reload: it
    /// returns before the version is written into the cache (<see cref="CompiledScript.Storing"/>), so it can be
    /// swapped in first.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static Task<CompiledScript> CompileForSwapAsync(string path, ServletHostOptions options, Func<Task<bool>> settled, CancellationToken cancellationToken)
        => CompileAsync(path, options, CompileMode.Run, settled, cancellationToken);

    /// <summary>Compiles a script without loading it: none of its code runs (devserve convert checks a script so); the errors, or none.</summary>
    internal static async Task<IReadOnlyList<ScriptError>> CheckAsync(string path, ServletHostOptions options, CancellationToken cancellationToken)
        => (await CompileAsync(path, options with { UseCache = false }, CompileMode.Check, settled: null, cancellationToken).ConfigureAwait(false)).Errors;

    /// <summary>
    /// Compiles a script or app into the compiled-script cache without loading it or running any of its code (what
    /// <see cref="CompileServer"/> does for a devserve process); true when the cache now has its entry. A servlet with a
    /// <c>#:project</c> is never cached (its output is loaded by path): false, and nothing is built.
    /// </summary>
    internal static async Task<bool> StoreAsync(string path, ServletHostOptions options, CancellationToken cancellationToken)
        => (await CompileAsync(path, options, CompileMode.Store, settled: null, cancellationToken).ConfigureAwait(false)).Stored;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<CompiledScript> CompileAsync(string path, ServletHostOptions? options, CompileMode mode, Func<Task<bool>>? settled,
        CancellationToken cancellationToken)
    {
        options ??= ServletHostOptions.Default;
        var full = Path.GetFullPath(path);
        string text;
        try
        {
            text = await File.ReadAllTextAsync(full, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Mid-save (an editor's rename) or gone: report it like a compile error; the next save recompiles.
            return CompiledScript.Failed(full, [full], [new ScriptError(full, 1, 1, "IO", $"Cannot read the script: {e.Message}")]);
        }
        var directives = FileDirectives.Read(text, full);
        var app = full.EndsWith(".cs", StringComparison.OrdinalIgnoreCase);
        // Directive lines become comments on their lines (a script's #:include a #load); so does a shebang line.
        var raw = text;   // what the cache entry will say was compiled
        text = app ? text : FileDirectives.Blank(text, include: file => $"#load \"{file.Replace("\"", "", StringComparison.Ordinal)}\"");
        var cache = options.UseCache && mode != CompileMode.Check ? new ScriptCache(options.CacheDirectory) : null;
        // Stateless servlets compile optimized: only the locals that live across a suspension are kept, so their links are short.
        var key = cache is null ? null : ScriptCache.Key(full, options.Stateless ? "//release\n" + text : text);
        if (mode == CompileMode.Run && key is not null)
        {
            // A cache entry's top level runs as it loads: the files must have settled first.
            if (settled is not null && cache!.Has(key) && !await settled().ConfigureAwait(false))
            {
                return CompiledScript.Dropped(full);
            }
            // Roslyn's first compile in a process takes a second; a compile server that has it warm fills the cache instead.
            var hit = await cache!.TryLoadAsync(full, key).ConfigureAwait(false);
            if (hit is null && Volatile.Read(ref Warmth.CompiledHere) == 0 && options.CompileServer is { } server
                && await server.TryStoreAsync(full, options.Stateless, cancellationToken).ConfigureAwait(false))
            {
                if (settled is not null && !await settled().ConfigureAwait(false))
                {
                    return CompiledScript.Dropped(full);   // the entry's top level runs as it loads
                }
                hit = await cache.TryLoadAsync(full, key).ConfigureAwait(false);
            }
            if (hit is not null)
            {
                return hit;   // Roslyn is not loaded now: the cached start is the fast start
            }
        }
        var compiled = app
            ? await FileAppCompiler.CompileAsync(full, text, directives, cache, key, options.PackagesDirectory, options.Stateless, mode == CompileMode.Store, settled, cancellationToken).ConfigureAwait(false)
            : await CompileWithRoslynAsync(full, text, directives, cache, key, new Dictionary<string, string> { [full] = ScriptCache.Hash(raw) },
                options.PackagesDirectory, options.Stateless, mode, settled, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref Warmth.CompiledHere, 1);   // after, not before: a save during Roslyn's first compile here still asks the server
        return compiled;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]   // keeps Roslyn's assemblies unloaded when the cache hits
    private static async Task<CompiledScript> CompileWithRoslynAsync(string full, string text, FileDirectives directives, ScriptCache? cache, string? key,
        IReadOnlyDictionary<string, string> compiled, string packagesDirectory, bool optimize, CompileMode mode, Func<Task<bool>>? settled, CancellationToken cancellationToken)
    {
        var parse = directives.Apply(s_parse);
        if (directives.Errors.Count > 0)
        {
            return CompiledScript.Failed(full, [full], directives.Errors);
        }
        var directory = Path.GetDirectoryName(full)!;
        // Async methods become resumable (real continuations); #load-ed files get the same through the source resolver.
        var source = ResumableRewriter.Rewrite(SourceText.From(text + Epilogue, Encoding.UTF8), full, parse);
        var tree = CSharpSyntaxTree.ParseText(source, parse, full, cancellationToken);
        // A compile server's compiles go from file to file, folder to folder: one set of options for all of them, so each
        // starts from the last compilation with its references bound (a file's #load and #r resolve from its own folder).
        var options = directives.Apply(s_options.GetOrAdd(mode == CompileMode.Store ? s_storeDirectory : directory, OptionsFor));
        if (optimize)
        {
            options = options.WithOptimizationLevel(OptimizationLevel.Release);
        }
        var packages = NuGetReferences.Find(text, full).Concat(directives.Packages).ToList();
        if (mode == CompileMode.Store && directives.Projects.Count > 0)
        {
            return CompiledScript.InCache(full, [full], stored: false);   // never cached: nothing is built or restored for it
        }
        var projects = await ProjectReferences.BuildAsync(full, directives.Projects, cancellationToken).ConfigureAwait(false);
        if (projects.Errors.Count > 0)
        {
            return CompiledScript.Failed(full, [full], projects.Errors, projects.Directories);
        }
        string[] sources = [full];   // the files watched for a retry: a #load-ed file's bad package must be fixable there
        for (var attempt = 0; ; attempt++)
        {
            NuGetReferences.Restore? restore = null;
            if (packages.Count > 0)
            {
                restore = await NuGetReferences.RestoreAsync(packages, packagesDirectory, cancellationToken).ConfigureAwait(false);
                if (restore.Errors.Count > 0)
                {
                    return CompiledScript.Failed(full, sources, restore.Errors, projects.Directories);
                }
            }
            var resolver = new PackageReferenceResolver(options.MetadataReferenceResolver!, restore, s_references.Value[^1]);
            var version = Interlocked.Increment(ref s_version);
            MetadataReference[] references =
                [.. s_references.Value, .. (restore?.Compile ?? []).Select(PackageReferenceResolver.Reference), .. projects.References()];
            var compilation = LastCompilations.Make(mode == CompileMode.Store ? StoreKey + ".csx" + optimize : full, [tree], references, options, () => CSharpCompilation.CreateScriptCompilation(
                $"devserve-script-{version}", tree, references, options.WithMetadataReferenceResolver(resolver), returnType: typeof(object)));
            sources = [.. compilation.SyntaxTrees.Select(t => t.FilePath).Where(p => p.Length > 0).Distinct()];

            using var pe = new MemoryStream();
            using var pdb = new MemoryStream();
            var emitted = compilation.Emit(pe, pdb, options: new EmitOptions(debugInformationFormat: DebugInformationFormat.PortablePdb),
                cancellationToken: cancellationToken);
            if (!resolver.Unrestored.IsEmpty && attempt == 0)
            {
                // A #load-ed file names packages of its own: restore them too, then compile again.
                packages.AddRange(resolver.Unrestored.Select(u => u.File ?? full).Distinct()
                    .SelectMany(file => NuGetReferences.Find(File.ReadAllText(file), file)));
                continue;
            }
            if (!emitted.Success)
            {
                return CompiledScript.Failed(full, sources, ScriptErrors(emitted.Diagnostics, full, text), projects.Directories);
            }
            if (mode == CompileMode.Store && key is not null)
            {
                var context = LoadContext(compilation, restore, projects);   // only for the files it would load: nothing loads
                var entry = compilation.GetEntryPoint(cancellationToken)!;
                await cache!.StoreAsync(key, pe.ToArray(), pdb.ToArray(), entry.ContainingType.MetadataName, entry.MetadataName, sources,
                    context, compiled).ConfigureAwait(false);
                context.Unload();
                return CompiledScript.InCache(full, sources, cache.Has(key));
            }
            if (mode != CompileMode.Run)
            {
                return CompiledScript.Checked(full, sources);
            }
            if (settled is not null && !await settled().ConfigureAwait(false))
            {
                return CompiledScript.Dropped(full);   // before its top level runs: a version never served runs nothing
            }
            // Not cached with a project: the cache would load its output by path, and a rebuild rewrites it in place.
            return await LoadAsync(full, sources, compilation, restore, projects, pe, pdb,
                projects.Directories.Count == 0 ? cache : null, key, compiled, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Compiles <paramref name="path"/> as a save would, loading nothing and running none of its code, for the speed
    /// of the saves after it (see <see cref="ScriptServlet"/>'s warm-up): true when it compiled. Throws only when cancelled.
    /// </summary>
    internal static async Task<bool> WarmUpAsync(string path, ServletHostOptions options, CancellationToken cancellationToken)
    {
        // An app's code never runs as it loads (its Start is found by reflection); a script's top level would, so a
        // script is only checked. Either way nothing is cached.
        var mode = path.EndsWith(".cs", StringComparison.OrdinalIgnoreCase) ? CompileMode.Run : CompileMode.Check;
        try
        {
            var compiled = await CompileAsync(path, options with { UseCache = false }, mode, settled: null, cancellationToken).ConfigureAwait(false);
            compiled.Context?.Unload();
            return compiled.Errors.Count == 0;
        }
#pragma warning disable CA1031 // a warm-up that fails costs only the speed it was for; the next save reports real errors
        catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
        {
            return false;
        }
    }

    // One set of options per script directory: its caching resolver then lives across recompiles.
    private static CSharpCompilationOptions OptionsFor(string directory)
        => new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, usings: s_usings, nullableContextOptions: NullableContextOptions.Disable)
            .WithOptimizationLevel(OptimizationLevel.Debug)
            .WithSourceReferenceResolver(new ResumableSourceResolver(directory, s_parse))
            .WithMetadataReferenceResolver(new CachingMetadataResolver(ScriptMetadataResolver.Default.WithBaseDirectory(directory)));

    // Loads the emitted assembly into its own context and runs its top-level code, which hands over Start; stores it in the cache.
    private static async Task<CompiledScript> LoadAsync(string full, string[] sources, CSharpCompilation compilation, NuGetReferences.Restore? restore,
        ProjectReferences.Result projects, MemoryStream pe, MemoryStream pdb, ScriptCache? cache, string? key,
        IReadOnlyDictionary<string, string> compiled, CancellationToken cancellationToken)
    {
        pe.Position = pdb.Position = 0;
        var context = LoadContext(compilation, restore, projects);
        try
        {
            var assembly = context.LoadFromStream(pe, pdb);
            var entry = compilation.GetEntryPoint(cancellationToken)!;
            var factory = assembly.GetType(entry.ContainingType.MetadataName)!.GetMethod(entry.MetadataName)!;
            var (start, staticRoots) = await RunAsync(full, factory).ConfigureAwait(false);
            var storing = key is not null && cache is not null
                ? cache.StoreAsync(key, pe.ToArray(), pdb.ToArray(), entry.ContainingType.MetadataName, entry.MetadataName, sources, context, compiled)
                : null;
            return CompiledScript.Succeeded(full, sources, start, context, [.. sources.SelectMany(ResumableRewriter.WarningsFor)], staticRoots,
                projects.Directories, storing);
        }
        catch (Exception e)
        {
            context.Unload();
            return CompiledScript.Failed(full, sources, [RunError(full, e)], projects.Directories);
        }
    }

    /// <summary>The error a script's top level threw as it loaded, on line 1.</summary>
    internal static ScriptError RunError(string path, Exception thrown)
    {
        var inner = thrown is TargetInvocationException { InnerException: { } i } ? i : thrown;
        return new ScriptError(path, 1, 1, "RUN", $"The script's top-level code threw {inner.GetType().Name}: {inner.Message}");
    }

    /// <summary>
    /// The load context for a compiled script or app: what it loads itself (<see cref="RuntimeAssemblies"/>, the
    /// projects' outputs over them, read into memory), the packages' native libraries.
    /// </summary>
    internal static ScriptLoadContext LoadContext(CSharpCompilation compilation, NuGetReferences.Restore? restore, ProjectReferences.Result projects)
    {
        var runtime = RuntimeAssemblies(compilation, restore);
        foreach (var (name, file) in projects.Runtime)
        {
            runtime[name] = file;
        }
        return new ScriptLoadContext(compilation.AssemblyName!, runtime, restore?.Native ?? new Dictionary<string, string>(),
            projects.Runtime.Values.ToHashSet(StringComparer.Ordinal));
    }

    // What the script's load context loads itself: the packages' implementation files, and the dlls named by #r "x.dll".
    private static Dictionary<string, string> RuntimeAssemblies(CSharpCompilation compilation, NuGetReferences.Restore? restore)
    {
        var assemblies = new Dictionary<string, string>(restore?.Runtime ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase);
        var known = new HashSet<MetadataReference>(s_references.Value);
        var compileOnly = new HashSet<string>(restore?.Compile ?? [], StringComparer.Ordinal);
        foreach (var reference in compilation.References.OfType<PortableExecutableReference>())
        {
            if (!known.Contains(reference) && reference.FilePath is { } path && !compileOnly.Contains(path)
                && path != typeof(ScriptCompiler).Assembly.Location)
            {
                assemblies.TryAdd(AssemblyName.GetAssemblyName(path).Name!, path);
            }
        }
        return assemblies;
    }

    /// <summary>Runs a compiled script's top level (its factory); returns the Start it hands back and the folders it serves (<see cref="Insta"/>).</summary>
    internal static async Task<(Func<Request, Task<Response>> Start, IReadOnlyList<string> StaticRoots)> RunAsync(string path, MethodInfo factory)
    {
        var (start, roots) = await Insta.RunAsync(Path.GetDirectoryName(path)!,
            () => (Task<object>)factory.Invoke(null, [new object?[2]])!).ConfigureAwait(false);   // [0] globals, [1] this submission
        return ((Func<Request, Task<Response>>)start, roots);
    }

    /// <summary>The compile errors of <paramref name="diagnostics"/>, each in its file (<paramref name="path"/> when it has none).</summary>
    internal static ScriptError[] Errors(ImmutableArray<Diagnostic> diagnostics, string path)
        => [.. diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => ScriptError.At(d.Location, path, d.Id, d.GetMessage()))];

    private static ScriptError[] ScriptErrors(ImmutableArray<Diagnostic> diagnostics, string path, string text)
    {
        var errors = Errors(diagnostics, path).ToList();
        // The only error in the epilogue is a missing Start: say it in the user's terms.
        var lines = text.Split('\n').Length;
        if (errors.RemoveAll(e => e.Path == path && e.Line > lines) > 0 && errors.Count == 0)
        {
            errors.Add(new ScriptError(path, 1, 1, "DEVSERVE001",
                "The script defines no servlet: write Response Start(Request request) => ... (or async Task<Response> Start)."));
        }
        return [.. errors];
    }

    private static PortableExecutableReference[] BuildReferences()
        => [.. SharedFramework.Assemblies()
            .Append(typeof(Request).Assembly.Location)
            .Append(typeof(ScriptCompiler).Assembly.Location)
            .Select(PackageReferenceResolver.Reference)];   // the hosting assembly last: the stand-in for #r "nuget:"
}
