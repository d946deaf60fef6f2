using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.CodeAnalysis;

namespace DevServe.Hosting;

/// <summary>
/// The projects a file names with <c>#:project</c>: each built with <c>dotnet build</c> the first time and again only
/// when its sources changed (a file added, saved or deleted), so a save of the servlet itself never waits for MSBuild.
/// DevServe's own projects are not built: the host's DevServe is the one a servlet must use (one <see cref="Request"/> type).
/// </summary>
internal static class ProjectReferences
{
    private static readonly ConcurrentDictionary<string, Built> s_projects = new(StringComparer.Ordinal);
    private static readonly HashSet<string> s_own = new(StringComparer.OrdinalIgnoreCase)
    {
        typeof(Request).Assembly.GetName().Name!, typeof(ProjectReferences).Assembly.GetName().Name!,
    };

    private static readonly EnumerationOptions s_walk = new()
    {
        RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint,
    };

    /// <summary>What referencing the projects takes.</summary>
    /// <param name="Assemblies">The managed assemblies of their output folders (theirs and their dependencies), for the compiler.</param>
    /// <param name="Runtime">The same (simple name → file), for the load context, which reads them into memory.</param>
    /// <param name="Directories">The projects' folders: a source saved under one rebuilds.</param>
    /// <param name="Errors">The builds' errors, or a project that is not there, on its directive's line.</param>
    public sealed record Result(IReadOnlyList<string> Assemblies, IReadOnlyDictionary<string, string> Runtime, IReadOnlyList<string> Directories,
        IReadOnlyList<ScriptError> Errors)
    {
        /// <summary>The assemblies as the compiler reads them: read anew each time (a rebuild rewrites them in place).</summary>
        public IEnumerable<MetadataReference> References() => Assemblies.Select(a => MetadataReference.CreateFromFile(a));
    }

    /// <summary>Whether <paramref name="project"/> (a project file or its folder) is DevServe's own library (the host has it).</summary>
    public static bool IsDevServe(string project)
    {
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(project));
        return s_own.Contains(name.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase) ? Path.GetFileNameWithoutExtension(name) : name);
    }

    /// <summary>Whether the package <paramref name="name"/> is DevServe's own library (<c>#:package DevServe@…</c>): the host's is used.</summary>
    public static bool IsDevServePackage(string name) => s_own.Contains(name);

    /// <summary>Builds what needs it and returns the references; DevServe's own projects are skipped.</summary>
    public static async Task<Result> BuildAsync(string path, IReadOnlyList<FileDirectives.Located> projects, CancellationToken cancellationToken)
    {
        var runtime = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var directories = new List<string>();
        var errors = new List<ScriptError>();
        foreach (var (named, line) in projects)
        {
            if (IsDevServe(named))
            {
                continue;   // wherever it is, or even missing: devserve never builds it
            }
            var project = Directory.Exists(named) ? Directory.GetFiles(named, "*.csproj") is [var only] ? only : null : named;
            if (project is null || !File.Exists(project) || !project.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add(new ScriptError(path, line, 1, "DEVSERVE021", $"#:project {named}: no C# project (.csproj) there"
                    + (Directory.Exists(named) ? " (a folder must hold exactly one)." : ".")));
                continue;
            }
            var built = s_projects.GetOrAdd(project, p => new Built(new ProjectBuild(p), Path.GetDirectoryName(p)!));
            directories.Add(Path.GetDirectoryName(project)!);
            var (assembly, failed) = await built.EnsureAsync(cancellationToken).ConfigureAwait(false);
            if (assembly is null)
            {
                errors.AddRange(failed.Count > 0 ? failed : [new ScriptError(path, line, 1, "BUILD", $"#:project {project} did not build.")]);
                continue;
            }
            foreach (var file in Directory.EnumerateFiles(Path.GetDirectoryName(assembly)!, "*.dll"))
            {
                if (ManagedName(file) is { } name && !ScriptLoadContext.IsHostAssembly(name))
                {
                    runtime.TryAdd(name, file);
                }
            }
        }
        return new Result([.. runtime.Values], runtime, directories, errors);
    }

    // The simple name of a managed assembly; null for a native library.
    private static string? ManagedName(string file)
    {
        try
        {
            return AssemblyName.GetAssemblyName(file).Name;
        }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException or IOException)
        {
            return null;
        }
    }

    // One project: its last good build and the state of its sources then. Kept for the process, like its gate.
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001:Types that own disposable fields should be disposable",
        Justification = "One per project for the life of the process.")]
    private sealed class Built(ProjectBuild build, string directory)
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private string? _assembly;
        private Dictionary<string, (long, DateTime)> _builtFrom = [];

        public async Task<(string? Assembly, IReadOnlyList<ScriptError> Errors)> EnsureAsync(CancellationToken cancellationToken)
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // Every source with its length and time: an added, saved, deleted or older copied-in file all differ.
                var sources = Directory.EnumerateFiles(directory, "*", s_walk).Where(f => ProjectBuild.IsSourceFile(directory, f))
                    .Select(f => new FileInfo(f)).ToDictionary(f => f.FullName, f => (f.Length, f.LastWriteTimeUtc), StringComparer.Ordinal);
                if (_assembly is not null && File.Exists(_assembly) && sources.Count == _builtFrom.Count
                    && sources.All(s => _builtFrom.TryGetValue(s.Key, out var seen) && seen == s.Value))
                {
                    return (_assembly, []);
                }
                foreach (var changed in sources.Keys.Where(f => !_builtFrom.TryGetValue(f, out var seen) || seen != sources[f]))
                {
                    build.IsSource(changed);   // a changed project file calls for a restore too
                }
                var result = await build.BuildAsync(cancellationToken).ConfigureAwait(false);
                (_assembly, _builtFrom) = (result.Assembly, result.Assembly is null ? [] : sources);
                return (result.Assembly, result.Errors);
            }
            finally
            {
                _gate.Release();
            }
        }
    }
}
